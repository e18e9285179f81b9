// A compiled TextFSM template and the state machine that runs it over device output, with
// the semantics of the reference Python implementation (textfsm 1.1 / 2.x).
#pragma once

#include "core/result.hpp"
#include "textfsm/table.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::textfsm {

struct Definition;

/// A template compiled once (all regexes JIT-compiled) and run any number of times, from any
/// number of threads at once.
class Template {
public:
    /// Compiles template text; `name` (usually the file name) prefixes every error, which
    /// names the line and what is wrong ("x.textfsm:4: unknown option 'Filldow' ...").
    static Result<std::shared_ptr<const Template>> compile(std::string_view text, std::string name);

    /// Runs the template over `input` (device output). Input that is not valid UTF-8 has each
    /// invalid sequence replaced by U+FFFD first; NUL bytes are ordinary characters. A rule
    /// with the `Error` action stops the run with its message (error code: critical).
    Result<Table> parse(std::string_view input) const;

    const std::string& name() const;
    /// Value names in template order.
    const std::vector<std::string>& header() const;
    /// Names of the Values with the `Key` option.
    const std::vector<std::string>& keys() const;

    ~Template();
    Template(const Template&) = delete;
    Template& operator=(const Template&) = delete;

private:
    explicit Template(std::unique_ptr<const Definition> definition);
    std::unique_ptr<const Definition> def_;
};

}  // namespace nockit::textfsm
