// TextFSM: the template language (Values, States, Rules) and the state machine that runs it.
// Every rule below follows the reference implementation (textfsm/parser.py) step by step,
// because templates in the wild depend on its corner cases.
#include "textfsm/template.hpp"

#include "textfsm/regex.hpp"
#include "textfsm/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

namespace nockit::textfsm {

namespace {

constexpr std::size_t kMaxNameLength = 48;

enum class Option { filldown, key, required, list, fillup };
enum class LineOp { next, cont, error };
enum class RecordOp { none, record, clear, clearall };

constexpr int kSameState = -1;
constexpr int kEndState = -2;
constexpr int kEofState = -3;

// The template language's own syntax, as the reference writes it (Python regexes, so that
// \s and \w mean Unicode whitespace and word characters exactly as there).
struct Syntax {
    Regex comment;       // a comment line
    Regex state_name;    // a valid state name
    Regex word;          // a new state must start with a word character
    Regex match_action;  // "<regex> -> <action>", split at the last " ->"
    Regex action_line;   // Next/Continue/Error[.RecordOp] [NewState]
    Regex action_record; // RecordOp [NewState]
    Regex action_state;  // [NewState]
};

Regex must_compile(std::string_view pattern) {
    auto r = Regex::compile(pattern);
    return std::move(r).value();
}

const Syntax& syntax() {
    static const Syntax s{
        must_compile(R"(^\s*#)"),
        must_compile(R"(^(\w+)$)"),
        must_compile(R"(\w+)"),
        must_compile(R"((?P<match>.*)(\s->(?P<action>.*)))"),
        must_compile(R"(\s+(?P<ln_op>Continue|Next|Error)(\.(?P<rec_op>Clear|Clearall|Record|NoRecord))?)"
                     R"((\s+(?P<new_state>\w+|\".*\"))?$)"),
        must_compile(R"(\s+(?P<rec_op>Clear|Clearall|Record|NoRecord)(\s+(?P<new_state>\w+|\".*\"))?$)"),
        must_compile(R"((\s+(?P<new_state>\w+|\".*\"))?$)"),
    };
    return s;
}

// The text of a named group of the last match, or empty when absent or not set.
std::string_view named(const Regex& regex, const Captures& captures, std::string_view name) {
    for (const auto& [group_name, number] : regex.names())
        if (group_name == name) return captures.group(number).value_or(std::string_view{});
    return {};
}

struct TemplateError {
    std::size_t line;
    std::string message;
};

struct ValueDef {
    std::string name;
    std::string regex;                // as written, e.g. (\S+)
    std::vector<Option> options;      // in declared order: the reference runs their hooks in that order
    bool filldown = false;
    bool list = false;
    std::optional<Regex> nested;      // a List value's own regex, when it has more than one group
    std::size_t line = 0;
};

struct Rule {
    Regex regex;
    std::vector<std::pair<std::uint32_t, std::size_t>> assigns;  // capture group -> Value index
    LineOp line_op = LineOp::next;
    RecordOp record_op = RecordOp::none;
    std::string new_state;  // as written; for Error, the message
    int next = kSameState;
    std::size_t line = 0;
};

struct State {
    std::string name;
    std::vector<Rule> rules;
    std::size_t line = 0;
};

}  // namespace

struct Definition {
    std::string name;
    std::vector<ValueDef> values;
    std::vector<std::string> header;
    std::vector<std::string> keys;
    std::vector<State> states;
    int start = 0;
    bool has_eof_state = false;
    std::uint32_t max_captures = 0;
};

namespace {

// Reads template text into a Definition, mirroring TextFSM._Parse.
class Compiler {
public:
    Compiler(std::string_view text, std::string name) : lines_(text::file_lines(text)) { def_.name = std::move(name); }

    Definition run() {
        parse_values();
        while (parse_state()) {
        }
        validate();
        return std::move(def_);
    }

private:
    [[noreturn]] static void fail(std::size_t line, std::string message) {
        throw TemplateError{line, std::move(message)};
    }

    bool is_comment(std::string_view line) {
        return syntax().comment.match(line, captures_);
    }

    // The block of Value lines at the head of the template, up to the first blank line.
    void parse_values() {
        while (next_ < lines_.size()) {
            const std::size_t number = ++next_;
            const std::string_view line = text::rstrip(lines_[number - 1]);
            if (line.empty()) return;
            if (is_comment(line)) continue;
            if (line.starts_with("Value ")) {
                parse_value(line, number);
            } else if (def_.values.empty()) {
                fail(number, "expected 'Value [OPTIONS] NAME (REGEX)'; a template starts with its Values");
            } else {
                fail(number, "expected a blank line after the last Value, before the first state");
            }
        }
    }

    void parse_value(std::string_view line, std::size_t number) {
        const auto tokens = text::split(line, ' ');
        if (tokens.size() < 3) fail(number, "a Value needs a name and a regex: 'Value [OPTIONS] NAME (REGEX)'");
        ValueDef value;
        value.line = number;
        std::size_t regex_from;
        if (!tokens[2].starts_with('(')) {
            for (const auto option : text::split(tokens[1], ',')) add_option(value, option, tokens[2], number);
            value.name = std::string(tokens[2]);
            regex_from = 3;
        } else {
            value.name = std::string(tokens[1]);
            regex_from = 2;
        }
        for (std::size_t t = regex_from; t < tokens.size(); ++t) {
            if (t > regex_from) value.regex += ' ';
            value.regex += tokens[t];
        }
        if (text::length(value.name) > kMaxNameLength)
            fail(number, fmt::format("Value name '{}' is longer than {} characters", value.name, kMaxNameLength));
        const auto count = [&](char c) { return std::count(value.regex.begin(), value.regex.end(), c); };
        if (value.regex.size() < 2 || value.regex.front() != '(' || value.regex.back() != ')' || count('(') != count(')'))
            fail(number, fmt::format("the regex of Value '{}' must be one group in parentheses, e.g. (\\S+); got '{}'",
                                     value.name, value.regex));
        auto compiled = Regex::compile(value.regex);
        if (!compiled) fail(number, fmt::format("bad regex in Value '{}': {}", value.name, compiled.error().message));
        if (std::find(value.options.begin(), value.options.end(), Option::list) != value.options.end() &&
            compiled->capture_count() > 1) {
            def_.max_captures = std::max(def_.max_captures, compiled->capture_count());
            value.nested = std::move(compiled).value();
        }
        for (const auto& other : def_.values)
            if (other.name == value.name)
                fail(number, fmt::format("duplicate Value '{}' (first declared on line {})", value.name, other.line));
        value.filldown = std::find(value.options.begin(), value.options.end(), Option::filldown) != value.options.end();
        value.list = std::find(value.options.begin(), value.options.end(), Option::list) != value.options.end();
        substitutions_[value.name] = "(?P<" + value.name + ">" + value.regex.substr(1);
        def_.header.push_back(value.name);
        if (std::find(value.options.begin(), value.options.end(), Option::key) != value.options.end())
            def_.keys.push_back(value.name);
        def_.values.push_back(std::move(value));
    }

    static void add_option(ValueDef& value, std::string_view name, std::string_view value_name, std::size_t number) {
        static const std::map<std::string_view, Option> known{
            {"Filldown", Option::filldown}, {"Key", Option::key},       {"Required", Option::required},
            {"List", Option::list},         {"Fillup", Option::fillup},
        };
        const auto found = known.find(name);
        if (found == known.end())
            fail(number, fmt::format("unknown option '{}' for Value '{}' (options are Filldown, Key, Required, "
                                     "List and Fillup, separated by commas without spaces)",
                                     name, value_name));
        if (std::find(value.options.begin(), value.options.end(), found->second) != value.options.end())
            fail(number, fmt::format("duplicate option '{}' for Value '{}'", name, value_name));
        value.options.push_back(found->second);
    }

    // One state: its name line, then rules up to a blank line. False when no state is left.
    bool parse_state() {
        State state;
        while (next_ < lines_.size()) {
            const std::size_t number = ++next_;
            const std::string_view line = text::rstrip(lines_[number - 1]);
            if (line.empty() || is_comment(line)) continue;
            static constexpr std::string_view reserved[] = {"Continue", "Next", "Error",
                                                            "Clear", "Clearall", "Record", "NoRecord"};
            if (!syntax().state_name.match(line, captures_) || text::length(line) > kMaxNameLength ||
                std::find(std::begin(reserved), std::end(reserved), line) != std::end(reserved))
                fail(number, fmt::format("invalid state name '{}' (a state name is letters, digits and _, "
                                         "at most {} characters, not an action keyword)",
                                         line, kMaxNameLength));
            for (const auto& other : def_.states)
                if (other.name == line)
                    fail(number, fmt::format("duplicate state '{}' (first declared on line {})", line, other.line));
            state.name = std::string(line);
            state.line = number;
            break;
        }
        if (state.name.empty()) return false;
        while (next_ < lines_.size()) {
            const std::size_t number = ++next_;
            const std::string_view line = text::rstrip(lines_[number - 1]);
            if (line.empty()) break;
            if (is_comment(line)) continue;
            if (!line.starts_with(" ^") && !line.starts_with("  ^") && !line.starts_with("\t^"))
                fail(number, "a rule starts with one or two spaces or a tab, then '^' (a new state needs a blank "
                             "line before it)");
            state.rules.push_back(parse_rule(line, number));
        }
        def_.states.push_back(std::move(state));
        return true;
    }

    // string.Template.substitute: ${NAME} and $NAME become the Value's regex, $$ becomes $.
    std::string substitute(std::string_view match, std::size_t number) {
        std::string out;
        out.reserve(match.size() * 2);
        const auto is_start = [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
        const auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
        const auto lookup = [&](std::string_view name) -> const std::string& {
            const auto found = substitutions_.find(std::string(name));
            if (found == substitutions_.end())
                fail(number, fmt::format("'${{{}}}' names no Value (Value names are case-sensitive)", name));
            return found->second;
        };
        const auto invalid = [&]() {
            fail(number, "a '$' must start ${VALUE} or be doubled ('$$' is the end-of-line anchor)");
        };
        std::size_t i = 0;
        while (i < match.size()) {
            const char c = match[i];
            if (c != '$') {
                out += c;
                ++i;
                continue;
            }
            if (i + 1 >= match.size()) invalid();
            const char d = match[i + 1];
            if (d == '$') {
                out += '$';
                i += 2;
            } else if (is_start(d)) {
                std::size_t end = i + 1;
                while (end < match.size() && is_rest(match[end])) ++end;
                out += lookup(match.substr(i + 1, end - i - 1));
                i = end;
            } else if (d == '{') {
                std::size_t end = i + 2;
                if (end >= match.size() || !is_start(match[end])) invalid();
                while (end < match.size() && is_rest(match[end])) ++end;
                if (end >= match.size() || match[end] != '}') invalid();
                out += lookup(match.substr(i + 2, end - i - 2));
                i = end + 1;
            } else {
                invalid();
            }
        }
        return out;
    }

    Rule parse_rule(std::string_view raw, std::size_t number) {
        const std::string_view line = text::strip(raw);
        Rule rule;
        rule.line = number;
        const Syntax& sx = syntax();
        std::string_view match = line;
        std::optional<std::string> action;
        if (sx.match_action.match(line, captures_)) {
            match = named(sx.match_action, captures_, "match");
            action = std::string(named(sx.match_action, captures_, "action"));
        }
        const std::string regex_text = substitute(match, number);
        auto regex = Regex::compile(regex_text);
        if (!regex) fail(number, fmt::format("bad regex '{}': {}", regex_text, regex.error().message));
        rule.regex = std::move(regex).value();
        def_.max_captures = std::max(def_.max_captures, rule.regex.capture_count());
        for (const auto& [name, group] : rule.regex.names())
            for (std::size_t v = 0; v < def_.values.size(); ++v)
                if (def_.values[v].name == name) rule.assigns.emplace_back(group, v);
        if (!action) return rule;

        const Regex* matched = nullptr;
        for (const Regex* candidate : {&sx.action_line, &sx.action_record, &sx.action_state}) {
            if (candidate->match(*action, captures_)) {
                matched = candidate;
                break;
            }
        }
        if (matched == nullptr)
            fail(number, fmt::format("invalid action '{}' (expected [Next|Continue|Error][.Record|.NoRecord|.Clear|"
                                     ".Clearall] [NewState], e.g. 'Next.Record Start')",
                                     text::strip(*action)));
        const std::string_view line_op = named(*matched, captures_, "ln_op");
        const std::string_view record_op = named(*matched, captures_, "rec_op");
        rule.new_state = std::string(named(*matched, captures_, "new_state"));
        if (line_op == "Continue") rule.line_op = LineOp::cont;
        if (line_op == "Error") rule.line_op = LineOp::error;
        if (record_op == "Record") rule.record_op = RecordOp::record;
        if (record_op == "Clear") rule.record_op = RecordOp::clear;
        if (record_op == "Clearall") rule.record_op = RecordOp::clearall;
        if (rule.line_op == LineOp::cont && !rule.new_state.empty())
            fail(number, fmt::format("'Continue' cannot change state (to '{}'): the line stays in this state",
                                     rule.new_state));
        if (rule.line_op != LineOp::error && !rule.new_state.empty() &&
            !sx.word.match(rule.new_state, captures_))
            fail(number, fmt::format("invalid new state {} (letters, digits and _ only; a quoted message "
                                     "belongs to the Error action)",
                                     rule.new_state));
        return rule;
    }

    // TextFSM._ValidateFSM: a Start state, empty End/EOF states, every target state defined.
    void validate() {
        const auto find = [&](std::string_view name) -> int {
            for (std::size_t s = 0; s < def_.states.size(); ++s)
                if (def_.states[s].name == name) return static_cast<int>(s);
            return -1;
        };
        if (find("Start") < 0) fail(lines_.size(), "no 'Start' state (parsing begins in the state named Start)");
        for (const char* reserved : {"End", "EOF"}) {
            const int s = find(reserved);
            if (s >= 0 && !def_.states[static_cast<std::size_t>(s)].rules.empty())
                fail(def_.states[static_cast<std::size_t>(s)].line,
                     fmt::format("the '{}' state must be empty (it is a place to stop, not to parse)", reserved));
        }
        if (const int end = find("End"); end >= 0) def_.states.erase(def_.states.begin() + end);
        def_.has_eof_state = find("EOF") >= 0;
        def_.start = find("Start");
        for (auto& state : def_.states) {
            for (auto& rule : state.rules) {
                if (rule.line_op == LineOp::error || rule.new_state.empty()) continue;
                if (rule.new_state == "End") {
                    rule.next = kEndState;
                } else if (rule.new_state == "EOF") {
                    rule.next = kEofState;
                } else {
                    rule.next = find(rule.new_state);
                    if (rule.next < 0)
                        fail(rule.line, fmt::format("state '{}' is not defined (used in state '{}')", rule.new_state,
                                                    state.name));
                }
            }
        }
    }

    std::vector<std::string_view> lines_;
    std::size_t next_ = 0;  // lines consumed so far
    Definition def_;
    std::map<std::string, std::string> substitutions_;
    Captures captures_{8};
};

// The runtime state of one Value (TextFSMValue plus its options' private state).
struct Slot {
    std::optional<std::string> value;     // None or the last text assigned
    std::optional<std::string> filldown;  // Filldown's remembered value
    std::vector<Item> list;               // List's accumulated items
};

// One run of a template over one input.
class Run {
public:
    explicit Run(const Definition& def) : def_(def), slots_(def.values.size()), captures_(def.max_captures) {}

    Result<Table> parse(std::string_view input) {
        bool non_ascii = false;
        std::vector<text::Line> lines = text::split_marked_lines(input, non_ascii);
        std::string repaired;
        if (non_ascii && text::invalid_utf8_at(input) != std::string_view::npos) {
            // Policy for bytes that are not UTF-8: each invalid sequence reads as U+FFFD.
            repaired = text::repair_utf8(input);
            lines = text::split_marked_lines(repaired, non_ascii);
        }
        int state = def_.start;
        int stop = kSameState;  // End or EOF once the machine has been sent there
        for (std::size_t n = 0; n < lines.size() && stop == kSameState; ++n) {
            const std::string_view line = lines[n].text;
            const bool plain = lines[n].plain_ascii;
            // What every rule's first-character condition looks at, worked out once per line.
            const unsigned first = line.empty() ? 256 : static_cast<unsigned char>(line[0]);
            std::size_t blanks = 0;
            while (blanks < line.size() && (line[blanks] == ' ' || (line[blanks] >= '\t' && line[blanks] <= '\r')))
                ++blanks;
            const unsigned after_blanks = blanks < line.size() ? static_cast<unsigned char>(line[blanks]) : 256;
            for (const Rule& rule : def_.states[static_cast<std::size_t>(state)].rules) {
                const FirstCharacter& f = rule.regex.first_character();
                if (f.active) {
                    if (!f.after_blanks) {
                        if (!f.allows(first)) continue;
                    } else if (plain && (blanks < f.min_blanks || !f.allows(after_blanks))) {
                        continue;
                    }
                }
                if (!rule.regex.match_unfiltered(line, captures_, plain)) continue;
                for (const auto& [group, value] : rule.assigns) assign(value, captures_.group(group));
                switch (rule.record_op) {
                    case RecordOp::record: append_record(); break;
                    case RecordOp::clear: clear_record(); break;
                    case RecordOp::clearall: clear_all(); break;
                    case RecordOp::none: break;
                }
                if (rule.line_op == LineOp::error) return error_action(rule, n, line);
                if (rule.line_op == LineOp::cont) continue;
                if (rule.next >= 0)
                    state = rule.next;
                else if (rule.next != kSameState)
                    stop = rule.next;
                break;
            }
        }
        // The implicit EOF state records what is pending, unless the template declares an
        // empty EOF state or went to End.
        if (stop != kEndState && !def_.has_eof_state) append_record();
        return Table{def_.header, def_.keys, std::move(rows_)};
    }

private:
    Error error_action(const Rule& rule, std::size_t n, std::string_view line) const {
        std::string message = rule.new_state;
        if (message.size() >= 2 && message.front() == '"' && message.back() == '"')
            message = message.substr(1, message.size() - 2);
        if (message.empty()) message = "input not understood";
        // The offending device text, kept to one short line without control characters.
        std::string shown;
        std::size_t i = 0;
        for (; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            if (shown.size() >= 160 && (c & 0xC0) != 0x80) break;  // cut between characters
            if (c < 0x20 || c == 0x7F)
                shown += fmt::format("\\x{:02x}", c);
            else
                shown += static_cast<char>(c);
        }
        if (i < line.size()) shown += "...";
        return Error{fmt::format("{}: {} (rule on template line {}; input line {}: '{}')", def_.name, message,
                                 rule.line, n + 1, shown),
                     ExitCode::critical};
    }

    void assign(std::size_t v, std::optional<std::string_view> text) {
        const ValueDef& def = def_.values[v];
        Slot& slot = slots_[v];
        if (!text)
            slot.value.reset();
        else if (slot.value)
            slot.value->assign(*text);  // reuses the buffer
        else
            slot.value.emplace(*text);
        for (const Option option : def.options) {
            switch (option) {
                case Option::filldown: slot.filldown = slot.value; break;
                case Option::fillup:
                    if (slot.value && !slot.value->empty()) {
                        for (auto row = rows_.rbegin(); row != rows_.rend(); ++row) {
                            if (is_set((*row)[v])) break;
                            (*row)[v] = *slot.value;
                        }
                    }
                    break;
                case Option::list: slot.list.push_back(list_item(def, slot.value)); break;
                case Option::key:
                case Option::required: break;
            }
        }
    }

    Item list_item(const ValueDef& def, const std::optional<std::string>& value) {
        // The reference appends Python's None, which reaches ntc-templates users as "None".
        // (With nested groups it would raise TypeError instead; "None" is the same answer.)
        if (!value) return std::string("None");
        if (def.nested && !def.nested->names().empty() && def.nested->match(*value, nested_captures_)) {
            Groups groups;
            for (const auto& [name, group] : def.nested->names()) {
                const auto text = nested_captures_.group(group);
                groups.emplace_back(name, text ? std::optional<std::string>(*text) : std::nullopt);
            }
            return groups;
        }
        return *value;
    }

    void clear_record() {
        for (std::size_t v = 0; v < slots_.size(); ++v) {
            Slot& slot = slots_[v];
            const ValueDef& def = def_.values[v];
            if (def.filldown)
                slot.value = slot.filldown;
            else
                slot.value.reset();
            if (def.list && !def.filldown) slot.list.clear();
        }
    }

    void clear_all() {
        for (Slot& slot : slots_) {
            slot.value.reset();
            slot.filldown.reset();
            slot.list.clear();
        }
    }

    void append_record() {
        if (def_.values.empty()) return;
        // First the checks: a Required Value that is empty drops the record (and clears it);
        // a record of nothing but unset Values is not written and its state is kept.
        bool all_empty = true;
        for (std::size_t v = 0; v < slots_.size(); ++v) {
            const Slot& slot = slots_[v];
            bool is_list = false;
            for (const Option option : def_.values[v].options) {
                if (option == Option::required) {
                    const bool set = is_list ? !slot.list.empty() : (slot.value && !slot.value->empty());
                    if (!set) {
                        clear_record();
                        return;
                    }
                }
                if (option == Option::list) is_list = true;
            }
            if (is_list ? !slot.list.empty() : slot.value.has_value()) all_empty = false;
        }
        if (all_empty) return;
        // Then the record. Values that clear_record() is about to reset are moved, not copied.
        std::vector<Cell>& record = rows_.emplace_back();
        record.reserve(slots_.size());
        for (std::size_t v = 0; v < slots_.size(); ++v) {
            Slot& slot = slots_[v];
            const ValueDef& def = def_.values[v];
            if (def.list) {
                record.emplace_back(def.filldown ? slot.list : std::move(slot.list));
            } else if (slot.value) {
                record.emplace_back(std::move(*slot.value));
            } else {
                record.emplace_back(std::string{});
            }
        }
        clear_record();
    }

    const Definition& def_;
    std::vector<Slot> slots_;
    std::vector<std::vector<Cell>> rows_;
    Captures captures_;
    Captures nested_captures_{8};
};

}  // namespace

Template::Template(std::unique_ptr<const Definition> definition) : def_(std::move(definition)) {}
Template::~Template() = default;

Result<std::shared_ptr<const Template>> Template::compile(std::string_view text, std::string name) {
    if (const std::size_t bad = text::invalid_utf8_at(text); bad != std::string_view::npos)
        return unknown_error(fmt::format("{}: not valid UTF-8 (byte {}); save the template as UTF-8", name, bad));
    try {
        auto def = std::make_unique<Definition>(Compiler(text, name).run());
        return std::shared_ptr<const Template>(new Template(std::move(def)));
    } catch (const TemplateError& e) {
        return unknown_error(fmt::format("{}:{}: {}", name, e.line, e.message));
    }
}

Result<Table> Template::parse(std::string_view input) const { return Run(*def_).parse(input); }

const std::string& Template::name() const { return def_->name; }
const std::vector<std::string>& Template::header() const { return def_->header; }
const std::vector<std::string>& Template::keys() const { return def_->keys; }

}  // namespace nockit::textfsm
