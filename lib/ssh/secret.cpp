// Secret handling: explicit_bzero on wipe, terminal prompts with echo off.
#include "ssh/secret.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace nockit::ssh {

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        text_ = std::move(other.text_);
        other.wipe();
    }
    return *this;
}

void Secret::wipe() {
    if (!text_.empty()) explicit_bzero(text_.data(), text_.size());
    text_.clear();
    text_.shrink_to_fit();
}

std::optional<Secret> ask_on_terminal(const std::string& prompt) {
    int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    termios old{};
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    ssize_t w = ::write(fd, prompt.data(), prompt.size());
    (void)w;
    std::string text;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r' && text.size() < 4096) text.push_back(c);
    if (restore) tcsetattr(fd, TCSAFLUSH, &old);
    w = ::write(fd, "\n", 1);
    ::close(fd);
    Secret s(std::move(text));
    explicit_bzero(&c, 1);
    return s;
}

Result<Secret> Secrets::from_env(const std::string& name, const std::string& what) {
    std::lock_guard lock(mutex_);
    auto key = "env:" + name;
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0')
        return unknown_error(fmt::format("the environment variable {} that should hold {} is {}; "
                                         "export it before running (secrets are never read from the command line)",
                                         name, what, value ? "empty" : "not set"));
    Secret s{std::string(value)};
    cache_.emplace(key, s);
    return s;
}

Result<Secret> Secrets::from_prompt(const std::string& key, const std::string& prompt) {
    std::lock_guard lock(mutex_);
    auto k = "prompt:" + key;
    if (auto it = cache_.find(k); it != cache_.end()) return it->second;
    auto answer = ask_ ? ask_(prompt) : std::nullopt;
    if (!answer)
        return unknown_error(fmt::format("{}: a password must be typed, but there is no terminal; use a key, "
                                         "ssh-agent, or a password_env credential", key));
    cache_.emplace(k, *answer);
    return std::move(*answer);
}

}  // namespace nockit::ssh
