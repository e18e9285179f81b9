// The device CLI driver. Reads are bounded by deadlines; prompts and pager prompts are found on
// the rendered last line, so colour codes and erase sequences never confuse the matching.
#include "ssh/cli.hpp"

#include "ssh/terminal.hpp"

#include <libssh/libssh.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace nockit::ssh {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kWindow = 4096;  // bytes of recent output where prompts are looked for

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

Clock::time_point after(double seconds) {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// The prompt without its level marker and mode: "sw1(config-if)#" -> "sw1", "noc@mx1>" -> "noc@mx1".
std::string prompt_base(std::string_view prompt) {
    std::string p(prompt);
    while (!p.empty() && (p.back() == ' ' || p.back() == '>' || p.back() == '#' || p.back() == '$' || p.back() == '%'))
        p.pop_back();
    if (auto paren = p.find('('); paren != std::string::npos && p.back() == ')') p.resize(paren);
    return p;
}

void trim_trailing_newlines(std::string& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
}

// The rendered last line of the recent output, starting the rendering at a line boundary.
std::string tail_line(std::string_view window) {
    if (window.size() >= kWindow)
        if (auto nl = window.find('\n'); nl != std::string_view::npos) window = window.substr(nl + 1);
    std::string text = render_terminal(window);
    return std::string(last_line(text));
}

}  // namespace

DeviceCli::DeviceCli(Connection& c, const Platform& p, CliOptions o, Transcript& t)
    : conn_(c), platform_(p), options_(std::move(o)), transcript_(t) {}

DeviceCli::~DeviceCli() {
    if (channel_) {
        ssh_channel_close(channel_);
        ssh_channel_free(channel_);
    }
}

bool DeviceCli::is_prompt(std::string_view line) const {
    if (!platform_.prompt.search(line)) return false;
    return base_.empty() || line.substr(0, base_.size()) == base_;
}

void DeviceCli::send(const std::string& text, bool secret) {
    if (secret) transcript_.sent_secret();
    else transcript_.sent(text);
    if (!channel_) return;
    ssh_channel_write(channel_, text.data(), static_cast<uint32_t>(text.size()));
}

DeviceCli::Read DeviceCli::read_until(double timeout_s, const Pattern* also, bool answer_pager) {
    Read r;
    std::string raw;     // what the answer renders from (pager prompts cut out)
    std::string window;  // the most recent bytes, for prompt matching even past the size cap
    auto deadline = after(timeout_s);
    char buf[16384];
    for (;;) {
        if (options_.stop && options_.stop->load()) {
            r.end = End::stopped;
            break;
        }
        int left = remaining_ms(deadline);
        if (left <= 0) {
            r.end = End::timeout;
            break;
        }
        int n = ssh_channel_read_timeout(channel_, buf, sizeof buf, 0, std::min(left, 200));
        if (n == SSH_ERROR) {
            r.end = End::closed;
            break;
        }
        if (n == 0) {
            if (ssh_channel_is_eof(channel_) || !ssh_channel_is_open(channel_)) {
                r.end = End::closed;
                break;
            }
            continue;
        }
        std::string_view chunk(buf, static_cast<std::size_t>(n));
        transcript_.received(chunk);
        if (raw.size() + chunk.size() <= options_.output_cap) {
            raw.append(chunk);
        } else {
            if (raw.size() < options_.output_cap) raw.append(chunk.substr(0, options_.output_cap - raw.size()));
            r.truncated = true;
        }
        window.append(chunk);
        if (window.size() > 2 * kWindow) window.erase(0, window.size() - kWindow);
        std::string line = tail_line(window);
        if (answer_pager && !platform_.more.empty() && platform_.more.search(line)) {
            // Cut the pager prompt (it sits on a line of its own) and ask for the next page.
            auto cut = [](std::string& s) {
                auto nl = s.rfind('\n');
                s.resize(nl == std::string::npos ? 0 : nl + 1);
            };
            if (!r.truncated) cut(raw);
            cut(window);
            send(platform_.more_continue);
            continue;
        }
        if (is_prompt(line)) {
            r.end = End::prompt;
            break;
        }
        if (also && also->search(line)) {
            r.end = End::more_done;
            break;
        }
    }
    r.text = render_terminal(raw);
    return r;
}

std::unique_ptr<DeviceCli> DeviceCli::open(Connection& connection, const Platform& platform, CliOptions options,
                                           Transcript& t, Failure& failure) {
    auto cli = std::unique_ptr<DeviceCli>(new DeviceCli(connection, platform, std::move(options), t));
    if (cli->options_.enable_secret) t.add_secret(cli->options_.enable_secret->reveal());
    if (platform.transport == Transport::exec) return cli;

    ssh_session s = connection.session();
    cli->channel_ = ssh_channel_new(s);
    // A wide terminal keeps devices from wrapping long lines; the height matters only where
    // paging cannot be turned off.
    if (!cli->channel_ || ssh_channel_open_session(cli->channel_) != SSH_OK ||
        ssh_channel_request_pty_size(cli->channel_, "vt100", 511, 24) != SSH_OK ||
        ssh_channel_request_shell(cli->channel_) != SSH_OK) {
        const char* e = ssh_get_error(s);
        failure = {"ssh", fmt::format("{}@{}: the device refused an interactive session: {}", connection.user(),
                                      connection.address(), e && *e ? e : "channel closed")};
        t.event(failure.message);
        return nullptr;
    }
    t.event("shell open");
    const double prompt_s = cli->options_.timeouts.prompt_s;
    auto started = Clock::now();
    // Most devices print their prompt by themselves; some wait for a key after the banner.
    Read first = cli->read_until(std::min(1.5, prompt_s), nullptr, true);
    std::string seen = first.text;
    if (first.end == End::timeout) {
        cli->send(platform.line_end);
        double left = prompt_s - std::chrono::duration<double>(Clock::now() - started).count();
        first = cli->read_until(std::max(0.1, left), nullptr, true);
        seen += first.text;
    }
    auto login = fmt::format("{}@{}", connection.user(), connection.address());
    if (first.end != End::prompt) {
        std::string partial = seen;
        trim_trailing_newlines(partial);
        bool stopped = first.end == End::stopped;
        failure = {stopped                        ? "stopped"
                   : first.end == End::closed     ? "closed"
                                                  : "prompt",
                   first.end == End::closed
                       ? fmt::format("{}: the device closed the session before showing a prompt{}", login,
                                     partial.empty() ? "" : " (it said: " + std::string(last_line(partial)) + ")")
                   : stopped ? fmt::format("{}: stopped while waiting for the prompt", login)
                             : fmt::format("{}: no prompt within {:g} s (the device sent {} characters{}); check the "
                                           "platform ({}) or raise --prompt-timeout",
                                           login, prompt_s, partial.size(),
                                           partial.empty() ? "" : ", ending with: " + std::string(last_line(partial)),
                                           platform.name)};
        cli->banner_ = partial;
        t.event(failure.message);
        return nullptr;
    }
    cli->prompt_ = std::string(last_line(seen));
    cli->base_ = prompt_base(cli->prompt_);
    {
        std::string banner = seen.substr(0, seen.size() - cli->prompt_.size());
        trim_trailing_newlines(banner);
        cli->banner_ = banner;
    }
    cli->privileged_ = platform.privileged.empty() || platform.privileged.search(cli->prompt_);
    t.event(fmt::format("prompt '{}'", cli->prompt_));

    for (const auto& cmd : platform.pager_disable) {
        auto r = cli->run_shell(cmd);
        if (!r.complete) {
            failure = {r.closed ? "closed" : r.stopped ? "stopped" : "prompt",
                       fmt::format("{}: no prompt after '{}' within {:g} s", login, cmd, prompt_s)};
            return nullptr;
        }
        if (!r.device_error.empty())
            cli->notes_.push_back(fmt::format("'{}' was refused ({}); --More-- prompts are answered instead", cmd, r.device_error));
    }

    bool want_enable = !cli->privileged_ && !platform.enable_command.empty() &&
                       (cli->options_.enable_secret || !platform.enable_needs_secret);
    if (want_enable) {
        cli->send(platform.enable_command + platform.line_end);
        Read r = cli->read_until(prompt_s, platform.enable_password_prompt.empty() ? nullptr : &platform.enable_password_prompt, false);
        if (r.end == End::more_done) {
            if (cli->options_.enable_secret)
                cli->send(cli->options_.enable_secret->reveal() + platform.line_end, true);
            else
                cli->send(platform.line_end);
            // A second password question means the secret was wrong: answer the remaining
            // questions with empty lines (at most three) so the device gives up and shows its prompt.
            for (int attempt = 0; attempt < 4; ++attempt) {
                r = cli->read_until(prompt_s, &platform.enable_password_prompt, false);
                if (r.end != End::more_done) break;
                if (attempt == 3) {
                    r.end = End::timeout;
                    break;
                }
                cli->send(platform.line_end);
            }
        }
        if (r.end != End::prompt) {
            failure = {r.end == End::closed ? "closed" : "prompt",
                       fmt::format("{}: no prompt after '{}' within {:g} s", login, platform.enable_command, prompt_s)};
            return nullptr;
        }
        std::string line(last_line(r.text));
        if (!platform.enable_failed.empty() && platform.enable_failed.search(r.text)) {
            cli->notes_.push_back(fmt::format("'{}' was refused: the enable secret is wrong; commands ran unprivileged",
                                              platform.enable_command));
        } else if (platform.privileged.search(line)) {
            cli->privileged_ = true;
            cli->prompt_ = line;
            t.event(fmt::format("privileged, prompt '{}'", line));
        } else {
            cli->notes_.push_back(fmt::format("'{}' did not reach the privileged level", platform.enable_command));
        }
    }
    return cli;
}

CommandResult DeviceCli::run(const std::string& command) {
    if (!usable_) {
        CommandResult r;
        r.command = command;
        r.skipped = true;
        return r;
    }
    return platform_.transport == Transport::exec ? run_exec(command) : run_shell(command);
}

CommandResult DeviceCli::run_shell(const std::string& command) {
    CommandResult r;
    r.command = command;
    r.started_s = transcript_.elapsed_s();
    send(command + platform_.line_end);
    Read read = read_until(options_.timeouts.command_s, nullptr, true);
    r.seconds = transcript_.elapsed_s() - r.started_s;
    std::string text = std::move(read.text);
    if (read.end == End::prompt) {
        auto nl = text.rfind('\n');
        text.resize(nl == std::string::npos ? 0 : nl);  // the prompt line
        r.complete = true;
    }
    r.output = strip_echo(text, command);
    trim_trailing_newlines(r.output);
    r.truncated = read.truncated;
    r.timed_out = read.end == End::timeout;
    r.closed = read.end == End::closed || read.end == End::error;
    r.stopped = read.end == End::stopped;
    if (!r.complete) usable_ = false;
    r.device_error = platform_.error_line(r.output);
    return r;
}

CommandResult DeviceCli::run_exec(const std::string& command) {
    CommandResult r;
    r.command = command;
    r.started_s = transcript_.elapsed_s();
    transcript_.sent(command);
    ssh_session s = conn_.session();
    ssh_channel ch = ssh_channel_new(s);
    struct ChannelGuard {
        ssh_channel c;
        ~ChannelGuard() {
            if (c) {
                ssh_channel_close(c);
                ssh_channel_free(c);
            }
        }
    } guard{ch};
    if (!ch || ssh_channel_open_session(ch) != SSH_OK || ssh_channel_request_exec(ch, command.c_str()) != SSH_OK) {
        const char* e = ssh_get_error(s);
        r.closed = true;
        r.device_error = fmt::format("the device refused to run the command: {}", e && *e ? e : "channel closed");
        usable_ = ssh_is_connected(s) != 0;
        r.seconds = transcript_.elapsed_s() - r.started_s;
        return r;
    }
    std::string out, err;
    auto deadline = after(options_.timeouts.command_s);
    char buf[16384];
    bool eof = false;
    while (!eof) {
        if (options_.stop && options_.stop->load()) {
            r.stopped = true;
            break;
        }
        int left = remaining_ms(deadline);
        if (left <= 0) {
            r.timed_out = true;
            break;
        }
        int n = ssh_channel_read_timeout(ch, buf, sizeof buf, 0, std::min(left, 200));
        if (n == SSH_ERROR) {
            r.closed = true;
            break;
        }
        if (n > 0) {
            std::string_view chunk(buf, static_cast<std::size_t>(n));
            transcript_.received(chunk);
            if (out.size() + chunk.size() <= options_.output_cap) out.append(chunk);
            else {
                out.append(chunk.substr(0, options_.output_cap - std::min(out.size(), options_.output_cap)));
                r.truncated = true;
            }
        }
        int e;
        while ((e = ssh_channel_read_nonblocking(ch, buf, sizeof buf, 1)) > 0)
            if (err.size() < 65536) err.append(buf, static_cast<std::size_t>(e));
        if (n == 0 && ssh_channel_is_eof(ch)) eof = true;
    }
    if (eof) {
        r.complete = true;
        r.exit_status = ssh_channel_get_exit_status(ch);
    } else {
        usable_ = !r.closed && ssh_is_connected(s) != 0;
    }
    r.seconds = transcript_.elapsed_s() - r.started_s;
    r.output = render_terminal(out);
    trim_trailing_newlines(r.output);
    std::string err_text = render_terminal(err);
    trim_trailing_newlines(err_text);
    if (!err_text.empty()) transcript_.received(err);
    r.device_error = platform_.error_line(r.output);
    if (r.device_error.empty() && r.complete && r.exit_status != 0)
        r.device_error = err_text.empty() ? fmt::format("exit status {}", r.exit_status) : std::string(err_text.substr(0, err_text.find('\n')));
    return r;
}

}  // namespace nockit::ssh
