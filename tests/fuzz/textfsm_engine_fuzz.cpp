// Fuzz target: the state machine over arbitrary device output. The first byte picks one of
// the shipped templates (templates/*.textfsm) or a few that use every option and action;
// the rest is the input text.
#include "fuzz_checks.hpp"
#include "textfsm/template.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string_view>
#include <vector>

namespace {

constexpr const char* kOwnTemplates[] = {
    ("Value Filldown,Required A (\\S+)\nValue List B (\\d+)\nValue Fillup C (\\w+)\nValue Key D (.*)\n\n"
    "Start\n  ^a ${A} -> Continue\n  ^\\S+ ${B} -> Continue.Record\n  ^c ${C}\n  ^d ${D} -> Next.Clear\n"
    "  ^x -> Clearall Other\n  ^stop -> End\n  ^eof -> EOF\n\nOther\n  ^(?:y|${B}) -> Record Start\n  ^. -> Error \"bad\"\n"),
    ("Value List PEER ((?P<ip>\\d+\\.\\d+\\.\\d+\\.\\d+)\\s+(?P<as>\\d+)?)\nValue NAME (.+?)\n\n"
    "Start\n  ^peer\\s+${PEER}\n  ^name\\s+${NAME}\\s*$$ -> Record\n  ^(?P<x>\\s+)?${NAME}\n\nEOF\n"),
    ("Value A ((a+)+)\nValue B (x{,3}\\Z)\n\nStart\n  ^${A}$$ -> Record\n  ^(?i:${B}) -> Record\n  ^(?:\\s|\\w)+$$\n"),
};

std::vector<std::shared_ptr<const nockit::textfsm::Template>> load_templates() {
    std::vector<std::shared_ptr<const nockit::textfsm::Template>> templates;
    const auto add = [&](std::string_view text, const std::string& name) {
        auto compiled = nockit::textfsm::Template::compile(text, name);
        if (!compiled) {
            std::fprintf(stderr, "%s\n", compiled.error().message.c_str());
            std::abort();
        }
        templates.push_back(std::move(compiled).value());
    };
    for (const char* text : kOwnTemplates) add(text, "own.textfsm");
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(NOCKIT_SOURCE_DIR "/templates"))
        if (entry.path().extension() == ".textfsm") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        add(text.str(), file.filename().string());
    }
    return templates;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto templates = load_templates();
    if (size == 0) return 0;
    const auto& chosen = templates[data[0] % templates.size()];
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto table = chosen->parse(input);
    if (table) nockit::fuzz::check_table(*table);
    return 0;
}
