// PCRE2 with RAII: the compiled code is shared, match data is per call (thread-safe).
#include "ssh/pattern.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <fmt/format.h>

#include <algorithm>

namespace nockit::ssh {

struct Pattern::Code {
    pcre2_code* code = nullptr;
    explicit Code(pcre2_code* c) : code(c) {}
    ~Code() { pcre2_code_free(code); }
    Code(const Code&) = delete;
    Code& operator=(const Code&) = delete;
};

Result<Pattern> Pattern::compile(const std::string& source, const std::string& what) {
    Pattern p;
    p.source_ = source;
    if (source.empty()) return p;
    int err = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                                     PCRE2_MULTILINE | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DUPNAMES, &err, &offset, nullptr);
    if (code == nullptr) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return unknown_error(fmt::format("{}: bad pattern '{}' at offset {}: {}", what, source, offset,
                                         reinterpret_cast<const char*>(msg)));
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional speed-up; falls back to the interpreter
    p.code_ = std::make_shared<const Code>(code);
    return p;
}

std::pair<std::size_t, std::size_t> Pattern::find(std::string_view text) const {
    constexpr auto npos = std::string_view::npos;
    if (!code_) return {npos, 0};
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> md(
        pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
    if (!md) return {npos, 0};
    int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, md.get(), nullptr);
    if (rc < 0) return {npos, 0};
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    return {ov[0], ov[1] - ov[0]};
}

std::optional<Pattern::Match> Pattern::match(std::string_view text, std::size_t offset) const {
    if (!code_ || offset > text.size()) return std::nullopt;
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> md(
        pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
    if (!md) return std::nullopt;
    int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset, 0, md.get(), nullptr);
    if (rc < 0) return std::nullopt;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    Match m;
    m.begin = ov[0];
    m.end = ov[1];
    uint32_t count = 0, entry_size = 0;
    PCRE2_SPTR table = nullptr;
    pcre2_pattern_info(code_->code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(code_->code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
    pcre2_pattern_info(code_->code, PCRE2_INFO_NAMETABLE, &table);
    std::vector<std::pair<uint32_t, std::string>> named;
    for (uint32_t i = 0; i < count; ++i) {
        PCRE2_SPTR e = table + i * entry_size;
        uint32_t group = (static_cast<uint32_t>(e[0]) << 8) | e[1];
        named.emplace_back(group, std::string(reinterpret_cast<const char*>(e + 2)));
    }
    std::sort(named.begin(), named.end());
    for (const auto& [group, name] : named) {
        if (static_cast<int>(group) >= rc) continue;
        PCRE2_SIZE b = ov[2 * group], e = ov[2 * group + 1];
        if (b == PCRE2_UNSET) continue;
        m.groups.emplace_back(name, std::string(text.substr(b, e - b)));
    }
    return m;
}

bool Pattern::search(std::string_view text) const { return find(text).first != std::string_view::npos; }

}  // namespace nockit::ssh
