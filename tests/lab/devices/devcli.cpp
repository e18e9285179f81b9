// nockit-devcli: the login shell of the lab's SSH "devices". Behaves like the CLI of the platform
// its state file names (prompt, enable with a secret, paging with --More-- until turned off,
// echo, "% Invalid input"), answers from that state, and can misbehave on purpose (hang after
// the banner, close the connection mid-output) for the tests. Every command line it receives is
// appended to commands.log in its device directory.
//
// Usage (as sshd's ForceCommand): nockit-devcli DEVICE_DIR
#include "device.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>

namespace {

std::string g_dir;
bool g_tty = false;
const char* g_nl = "\n";

void out(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(STDOUT_FILENO, s.data() + off, s.size() - off);
        if (n <= 0) std::_Exit(0);  // the client is gone
        off += static_cast<std::size_t>(n);
    }
}

void log_command(const std::string& line) {
    FILE* f = std::fopen((g_dir + "/commands.log").c_str(), "a");
    if (!f) return;
    std::fprintf(f, "%lld %s\n", static_cast<long long>(std::time(nullptr)), line.c_str());
    std::fclose(f);
}

// Reads one byte; -1 on EOF/hang-up. Waits at most `timeout_ms` (negative: forever) and returns -2 then.
int read_byte(int timeout_ms) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n == 0) return -2;
    if (n < 0) return -1;
    unsigned char c = 0;
    if (::read(STDIN_FILENO, &c, 1) != 1) return -1;
    return c;
}

// Sits there like a wedged device, for at most five minutes, until the client goes away.
[[noreturn]] void hang() {
    auto until = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (std::chrono::steady_clock::now() < until)
        if (read_byte(1000) == -1) break;
    std::_Exit(0);
}

struct Shell {
    devcli::Device dev;
    bool privileged = false;
    int length = 24;  // terminal length; 0 = no paging
    termios saved{};

    void reload() {
        std::string err = devcli::load(g_dir + "/state", dev);
        if (!err.empty()) {
            out("% lab state error: " + err + g_nl);
            std::_Exit(3);
        }
    }
    bool junos() const { return dev.platform == "juniper_junos"; }
    std::string user() const {
        if (!dev.user.empty()) return dev.user;
        const char* u = std::getenv("USER");
        return u ? u : "noc";
    }
    std::string prompt() const {
        if (junos()) return user() + "@" + dev.hostname + "> ";
        if (dev.platform == "cisco_nxos") return dev.hostname + "# ";
        if (dev.platform == "linux") return user() + "@" + dev.hostname + ":~$ ";
        return dev.hostname + (privileged ? "#" : ">");
    }

    // Prints lines, pausing at a pager prompt every length-1 lines while paging is on.
    void page(const std::vector<std::string>& lines) {
        const std::string more = junos() ? "---(more)---" : " --More-- ";
        std::size_t per_page = length > 1 ? static_cast<std::size_t>(length - 1) : 0;
        std::size_t shown = 0;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (g_tty && per_page > 0 && shown == per_page) {
                out(more);
                int c = read_byte(-1);
                if (c == -1) std::_Exit(0);
                // Erase the pager prompt the way each platform does.
                if (junos()) out("\r" + std::string(more.size(), ' ') + "\r");
                else out(std::string(more.size(), '\b') + std::string(more.size(), ' ') + std::string(more.size(), '\b'));
                if (c == 'q' || c == 'Q' || c == 3) return;
                shown = (c == '\r' || c == '\n') ? per_page - 1 : 0;
            }
            out(lines[i] + g_nl);
            ++shown;
        }
    }

    void invalid(const std::string& line) {
        auto first = line.find_first_not_of(' ');
        auto second = line.find(' ', first);
        std::size_t col = prompt().size() + (second == std::string::npos ? first : line.find_first_not_of(' ', second));
        if (junos()) {
            out(std::string(col, ' ') + "^" + g_nl + (second == std::string::npos ? "unknown command." : "syntax error, expecting <command>.") + g_nl);
        } else if (dev.platform == "cisco_nxos") {
            out(std::string(col, ' ') + "^" + g_nl + "% Invalid command at '^' marker." + g_nl);
        } else if (dev.platform == "arista_eos") {
            out(std::string("% Invalid input") + g_nl);
        } else if (dev.platform == "linux") {
            out("-bash: " + line.substr(first, second == std::string::npos ? std::string::npos : second - first) + ": command not found" + g_nl);
        } else {
            out(std::string(col, ' ') + "^" + g_nl + "% Invalid input detected at '^' marker." + g_nl + g_nl);
        }
    }

    std::string read_secret() {
        std::string s;
        for (;;) {
            int c = read_byte(60000);
            if (c < 0) std::_Exit(0);
            if (c == '\r' || c == '\n') break;
            if (c == 0x7f || c == 8) {
                if (!s.empty()) s.pop_back();
                continue;
            }
            s.push_back(static_cast<char>(c));
        }
        out(g_nl);
        return s;
    }

    void enable() {
        bool arista = dev.platform == "arista_eos";
        if (dev.enable_secret.empty()) {
            if (arista) privileged = true;
            else out(std::string("% No password set") + g_nl);
            return;
        }
        for (int attempt = 0; attempt < 3; ++attempt) {
            out("Password: ");
            if (read_secret() == dev.enable_secret) {
                privileged = true;
                return;
            }
        }
        out(std::string(arista ? "% Authentication failed" : "% Bad secrets") + g_nl + g_nl);
    }

    // Returns false when the session should end.
    bool execute(const std::string& raw_line) {
        std::string line = raw_line;
        while (!line.empty() && line.back() == ' ') line.pop_back();
        if (line.find_first_not_of(' ') == std::string::npos) return true;
        log_command(line);
        reload();
        std::vector<std::string> w;
        {
            std::string cur;
            for (char c : line) {
                if (c == ' ') {
                    if (!cur.empty()) w.push_back(cur);
                    cur.clear();
                } else {
                    cur += c;
                }
            }
            if (!cur.empty()) w.push_back(cur);
        }
        auto is = [&](std::size_t i, const char* word, std::size_t min) {
            return i < w.size() && w[i].size() >= min && std::string(word).compare(0, w[i].size(), w[i]) == 0;
        };
        if (is(0, "exit", 2) || is(0, "logout", 2) || is(0, "quit", 1)) return false;
        if (!junos() && dev.platform != "linux") {
            if (is(0, "terminal", 3) && is(1, "length", 3) && w.size() == 3) {
                if (dev.pager_stuck) invalid(line);
                else length = std::atoi(w[2].c_str());
                return true;
            }
            if (is(0, "terminal", 3) && is(1, "width", 3) && w.size() == 3) return true;
            if (is(0, "enable", 2) && w.size() == 1 && dev.platform != "cisco_nxos") {
                enable();
                return true;
            }
            if (is(0, "disable", 3) && w.size() == 1) {
                privileged = false;
                return true;
            }
        }
        if (junos() && is(0, "set", 3) && is(1, "cli", 2) && is(2, "screen-length", 8) && w.size() == 4) {
            if (dev.pager_stuck) invalid(line);
            else length = std::atoi(w[3].c_str());
            return true;
        }
        auto now = std::time(nullptr);
        devcli::Answer a = devcli::answer(dev, line, now);
        if (!a.known) {
            invalid(line);
            return true;
        }
        bool trouble = !dev.trouble_command.empty() ? line.rfind(dev.trouble_command, 0) == 0 : a.lines.size() > 10;
        if (trouble && (dev.behaviour == "close_mid_output" || dev.behaviour == "hang_on_command")) {
            std::vector<std::string> half(a.lines.begin(), a.lines.begin() + static_cast<long>(a.lines.size() / 2));
            for (const auto& l : half) out(l + g_nl);
            if (dev.behaviour == "close_mid_output") std::_Exit(0);
            hang();
        }
        bool no_more = line.find("| no-more") != std::string::npos;
        int saved_length = length;
        if (no_more) length = 0;
        page(a.lines);
        length = saved_length;
        return true;
    }

    void interactive() {
        termios raw{};
        if (tcgetattr(STDIN_FILENO, &saved) == 0) {
            raw = saved;
            cfmakeraw(&raw);
            tcsetattr(STDIN_FILENO, TCSANOW, &raw);
        }
        if (!dev.banner.empty()) {
            std::string b = dev.banner;
            std::string conv;
            for (char c : b) conv += c == '\n' ? std::string("\r\n") : std::string(1, c);
            out(g_nl + conv + g_nl + g_nl);
        }
        if (dev.behaviour == "hang_after_banner") hang();
        privileged = false;
        out(prompt());
        std::string line;
        bool last_cr = false;
        for (;;) {
            int c = read_byte(30 * 60 * 1000);  // exec-timeout 30 minutes
            if (c < 0) break;
            if (c == '\n' && last_cr) {
                last_cr = false;
                continue;
            }
            last_cr = c == '\r';
            if (c == '\r' || c == '\n') {
                out(g_nl);
                if (!execute(line)) break;
                line.clear();
                out(prompt());
            } else if (c == 0x7f || c == 8) {
                if (!line.empty()) {
                    line.pop_back();
                    out("\b \b");
                }
            } else if (c == 3) {
                out(std::string("^C") + g_nl + prompt());
                line.clear();
            } else if (c == 0x15) {
                out("\r" + std::string(prompt().size() + line.size(), ' ') + "\r" + prompt());
                line.clear();
            } else if (c >= 0x20 && c < 0x7f) {
                line.push_back(static_cast<char>(c));
                out(std::string(1, static_cast<char>(c)));
            }
        }
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    }

    // A command given to "ssh device 'cmd'" (no terminal): each line runs in turn, no paging.
    int exec(const std::string& commands) {
        if (dev.behaviour == "hang_after_banner") hang();
        privileged = true;
        length = 0;
        int status = 0;
        std::size_t start = 0;
        while (start <= commands.size()) {
            auto nl = commands.find('\n', start);
            std::string line = commands.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(' ') != std::string::npos) {
                log_command(line);
                auto a = devcli::answer(dev, line, std::time(nullptr));
                if (!a.known) {
                    if (dev.platform == "linux") {
                        std::string word = line.substr(line.find_first_not_of(' '));
                        word = word.substr(0, word.find(' '));
                        std::fprintf(stderr, "bash: line 1: %s: command not found\n", word.c_str());
                        return 127;
                    }
                    invalid(line);
                    status = 1;
                } else {
                    bool trouble = !dev.trouble_command.empty() ? line.rfind(dev.trouble_command, 0) == 0 : a.lines.size() > 10;
                    if (trouble && (dev.behaviour == "close_mid_output" || dev.behaviour == "hang_on_command")) {
                        for (std::size_t i = 0; i < a.lines.size() / 2; ++i) out(a.lines[i] + "\n");
                        if (dev.behaviour == "close_mid_output") std::_Exit(0);
                        hang();
                    }
                    if (dev.platform == "linux" && a.error) {
                        for (const auto& l : a.lines) std::fprintf(stderr, "%s\n", l.c_str());
                        return 1;
                    }
                    page(a.lines);
                }
            }
            if (nl == std::string::npos) break;
            start = nl + 1;
        }
        return status;
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: nockit-devcli DEVICE_DIR\n");
        return 3;
    }
    g_dir = argv[1];
    Shell sh;
    sh.reload();
    const char* original = std::getenv("SSH_ORIGINAL_COMMAND");
    g_tty = isatty(STDIN_FILENO) == 1;
    if (original && *original && !g_tty) {
        g_nl = "\n";
        log_command("# exec session");
        return sh.exec(original);
    }
    g_nl = g_tty ? "\r\n" : "\n";
    log_command("# shell session");
    sh.interactive();
    return 0;
}
