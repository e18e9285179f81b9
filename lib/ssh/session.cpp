// SSH connections with libssh 0.10 in blocking mode, one session per worker thread.
// We open the TCP connection ourselves (deadline, precise errors, TCP_NODELAY: with Nagle's
// algorithm on, every request/response turn costs ~40 ms) and hand the socket to libssh.
#include "ssh/session.hpp"

#include "net/resolve.hpp"
#include "ssh/known_hosts.hpp"

#include <libssh/libssh.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace nockit::ssh {
namespace {

using Clock = std::chrono::steady_clock;

// One lock for every write to a known_hosts file, so accept-new on many devices at once
// appends whole lines.
std::mutex g_known_hosts_mutex;

void init_libssh() {
    static std::once_flag once;
    std::call_once(once, [] { ssh_init(); });
}

struct SessionHandle {
    ssh_session s = nullptr;
    SessionHandle() : s(ssh_new()) {}
    ~SessionHandle() {
        if (s) {
            if (ssh_is_connected(s)) ssh_disconnect(s);
            ssh_free(s);
        }
    }
    SessionHandle(const SessionHandle&) = delete;
    SessionHandle& operator=(const SessionHandle&) = delete;
    ssh_session release() { return std::exchange(s, nullptr); }
};

// A socket we opened; libssh uses it but never closes it, so it must outlive the session.
struct SocketHandle {
    int fd = -1;
    SocketHandle() = default;
    SocketHandle(const SocketHandle&) = delete;
    SocketHandle& operator=(const SocketHandle&) = delete;
    ~SocketHandle() {
        if (fd >= 0) ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

std::string host_for_known_hosts(const std::string& address, int port) {
    std::string a = address;
    if (port == 22) return a;
    return fmt::format("[{}]:{}", a, port);
}

std::string shell_quote(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./") == std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

// TCP connect with a deadline, trying each address in turn; returns the socket or -1 with `why`.
int tcp_connect(const std::string& host, int port, double timeout_s, const std::atomic<bool>* stop, std::string& why) {
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
    auto res = net::resolve_all({host}, AF_UNSPEC, std::chrono::milliseconds(remaining_ms(deadline)));
    if (res.empty() || !res[0].error.empty()) {
        why = res.empty() ? fmt::format("cannot resolve '{}'", host) : res[0].error;
        return -1;
    }
    for (const auto& address : res[0].addresses) {
        int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            why = fmt::format("cannot create a socket: {}", std::strerror(errno));
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_storage sa{};
        socklen_t len = address.to_sockaddr(sa, static_cast<uint16_t>(port));
        int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), len);
        int err = rc == 0 ? 0 : errno;
        if (rc != 0 && err == EINPROGRESS) {
            err = ETIMEDOUT;
            while (remaining_ms(deadline) > 0 && !(stop && stop->load())) {
                pollfd p{fd, POLLOUT, 0};
                int n = ::poll(&p, 1, std::min(remaining_ms(deadline), 200));
                if (n > 0) {
                    socklen_t elen = sizeof err;
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
                    break;
                }
                if (n < 0 && errno != EINTR) {
                    err = errno;
                    break;
                }
            }
        }
        if (err == 0) return fd;
        ::close(fd);
        std::string where = fmt::format("{} port {}", address.to_string(), port);
        if (err == ECONNREFUSED)
            why = fmt::format("connection refused by {}: nothing listens there; check the port and that SSH is enabled on the device", where);
        else if (err == ETIMEDOUT)
            why = fmt::format("no answer from {} within {:g} s: the device is down, unreachable from here, or filtered (try --jump)", where, timeout_s);
        else if (err == ENETUNREACH || err == EHOSTUNREACH)
            why = fmt::format("no route to {}: {}", where, std::strerror(err));
        else
            why = fmt::format("cannot connect to {}: {}", where, std::strerror(err));
    }
    if (stop && stop->load()) why = "stopped before the connection was made";
    return -1;
}

std::string libssh_error(ssh_session s) {
    const char* e = ssh_get_error(s);
    return e && *e ? e : "unknown libssh error";
}

}  // namespace

// A bastion connection and the thread that copies bytes between the inner session's socket and
// a direct-tcpip channel on the bastion (what OpenSSH's ProxyJump does with a second ssh process).
struct Connection::Tunnel {
    std::unique_ptr<Connection> bastion;
    ssh_channel channel = nullptr;
    int local = -1;  // our end of the socketpair; the other end belongs to the inner libssh session
    std::atomic<bool> stop{false};
    std::thread pump;

    ~Tunnel() {
        stop = true;
        if (pump.joinable()) pump.join();
        if (channel) {
            ssh_channel_close(channel);
            ssh_channel_free(channel);
        }
        if (local >= 0) ::close(local);
    }

    void run() {
        char buf[32768];
        ssh_session s = bastion->session();
        while (!stop.load()) {
            pollfd fds[2] = {{local, POLLIN, 0}, {ssh_get_fd(s), POLLIN, 0}};
            int n = ::poll(fds, 2, 100);
            if (n < 0 && errno != EINTR) break;
            if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t got = ::read(local, buf, sizeof buf);
                if (got <= 0) break;  // the inner session closed its end
                if (ssh_channel_write(channel, buf, static_cast<uint32_t>(got)) == SSH_ERROR) break;
            }
            bool closed = false;
            for (;;) {
                int r = ssh_channel_read_nonblocking(channel, buf, sizeof buf, 0);
                if (r == SSH_ERROR) {
                    closed = true;
                    break;
                }
                if (r <= 0) break;
                std::size_t off = 0;
                while (off < static_cast<std::size_t>(r)) {
                    ssize_t w = ::write(local, buf + off, static_cast<std::size_t>(r) - off);
                    if (w < 0 && errno == EINTR) continue;
                    if (w < 0 && errno == EAGAIN) {
                        pollfd p{local, POLLOUT, 0};
                        ::poll(&p, 1, 100);
                        continue;
                    }
                    if (w <= 0) {
                        closed = true;
                        break;
                    }
                    off += static_cast<std::size_t>(w);
                }
                if (closed) break;
            }
            if (closed || ssh_channel_is_eof(channel) || !ssh_channel_is_open(channel)) break;
        }
        // The device side is gone: tell the inner session.
        ::shutdown(local, SHUT_RDWR);
    }
};

std::string Endpoint::to_string() const {
    std::string a = address.find(':') != std::string::npos ? "[" + address + "]" : address;
    std::string out = user.empty() ? a : user + "@" + a;
    if (port) out += ":" + std::to_string(*port);
    return out;
}

Result<Endpoint> parse_endpoint(const std::string& text) {
    Endpoint e;
    std::string rest = text;
    if (auto at = rest.rfind('@'); at != std::string::npos) {
        e.user = rest.substr(0, at);
        rest = rest.substr(at + 1);
    }
    std::string port;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos) return unknown_error(fmt::format("'{}': missing ']' after the IPv6 address", text));
        e.address = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') return unknown_error(fmt::format("'{}': expected ':PORT' after ']'", text));
            port = rest.substr(close + 2);
        }
    } else if (std::count(rest.begin(), rest.end(), ':') == 1) {
        e.address = rest.substr(0, rest.find(':'));
        port = rest.substr(rest.find(':') + 1);
    } else {
        e.address = rest;
    }
    if (e.address.empty()) return unknown_error(fmt::format("'{}': no host name or address", text));
    if (!port.empty() || (rest.find(':') != std::string::npos && rest.front() != '[' && std::count(rest.begin(), rest.end(), ':') == 1)) {
        int p = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || p < 1 || p > 65535)
            return unknown_error(fmt::format("'{}': '{}' is not a TCP port (1-65535)", text, port));
        e.port = p;
    }
    return e;
}

std::string user_ssh_dir() {
    // OpenSSH expands ~ from the password database, not $HOME; libssh does the same.
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found && found->pw_dir)
        return std::string(found->pw_dir) + "/.ssh";
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + "/.ssh";
}

std::vector<std::string> default_identity_files(const std::string& ssh_dir) {
    return {ssh_dir + "/id_ed25519", ssh_dir + "/id_ecdsa", ssh_dir + "/id_rsa"};
}

namespace {

bool verify_host_key(ssh_session s, const ConnectOptions& o, const std::string& address, int port,
                     const std::string& known_hosts, Transcript& t, std::string& fingerprint, Failure& failure) {
    KeyHandle key;
    if (ssh_get_server_publickey(s, &key.k) != SSH_OK) {
        failure = {"ssh", fmt::format("{}: the device sent no host key: {}", o.target.to_string(), libssh_error(s))};
        return false;
    }
    fingerprint = ssh::fingerprint(key.k);
    const char* algorithm = ssh_key_type_to_char(ssh_key_type(key.k));
    std::string type = key_type(algorithm ? algorithm : "unknown");
    std::string name = host_for_known_hosts(address, port);
    enum ssh_known_hosts_e state = ssh_session_is_known_server(s);
    switch (state) {
        case SSH_KNOWN_HOSTS_OK:
            t.event(fmt::format("host key {} {} matches {}", type, fingerprint, known_hosts));
            return true;
        case SSH_KNOWN_HOSTS_CHANGED:
        case SSH_KNOWN_HOSTS_OTHER: {
            // libssh does not hand out the recorded entry for a changed key; read the files ourselves.
            std::string recorded;
            for (const auto& file : {known_hosts, std::string("/etc/ssh/ssh_known_hosts")})
                for (const auto& k : recorded_keys(file, name))
                    recorded += fmt::format("{}{} {} (line {})", recorded.empty() ? "" : ", ", k.type, k.fingerprint, k.line);
            if (recorded.empty()) recorded = "another key";
            failure = {"host-key-changed",
                       fmt::format("{}: HOST KEY CHANGED: {} has {} for {}, the device now offers {} {}; refused, "
                                   "nothing was sent (it may be an attack or a replaced device). If the change is "
                                   "expected: ssh-keygen -f {} -R {}",
                                   o.target.to_string(), known_hosts, recorded, name, type, fingerprint,
                                   shell_quote(known_hosts), shell_quote(name))};
            t.event(failure.message);
            return false;
        }
        case SSH_KNOWN_HOSTS_NOT_FOUND:
        case SSH_KNOWN_HOSTS_UNKNOWN: {
            if (o.host_keys.accept_new) {
                std::lock_guard lock(g_known_hosts_mutex);
                if (ssh_session_update_known_hosts(s) != SSH_OK) {
                    failure = {"host-key-unknown", fmt::format("{}: cannot add the host key to {}: {}", o.target.to_string(),
                                                               known_hosts, libssh_error(s))};
                    return false;
                }
                t.event(fmt::format("new host key {} {} added to {} (accept-new)", type, fingerprint, known_hosts));
                return true;
            }
            failure = {"host-key-unknown",
                       fmt::format("{}: unknown host key {} {} (not in {}); nothing was sent. Check the fingerprint with "
                                   "the device's owner, then run again with --accept-new",
                                   o.target.to_string(), type, fingerprint, known_hosts)};
            t.event(failure.message);
            return false;
        }
        case SSH_KNOWN_HOSTS_ERROR:
        default:
            failure = {"host-key-unknown", fmt::format("{}: cannot check the host key against {}: {}", o.target.to_string(),
                                                       known_hosts, libssh_error(s))};
            return false;
    }
}

std::string describe_methods(int methods) {
    std::vector<std::string> names;
    if (methods & SSH_AUTH_METHOD_PUBLICKEY) names.push_back("publickey");
    if (methods & SSH_AUTH_METHOD_PASSWORD) names.push_back("password");
    if (methods & SSH_AUTH_METHOD_INTERACTIVE) names.push_back("keyboard-interactive");
    if (methods & SSH_AUTH_METHOD_GSSAPI_MIC) names.push_back("gssapi-with-mic");
    if (names.empty()) return "none";
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
    return out;
}

// Answers a keyboard-interactive exchange with the password, once; a second password question
// means it was wrong (we never loop on a server that keeps asking).
int kbdint_password(ssh_session s, const Secret& password) {
    bool answered = false;
    int rc = ssh_userauth_kbdint(s, nullptr, nullptr);
    for (int rounds = 0; rc == SSH_AUTH_INFO && rounds < 4; ++rounds) {
        int n = ssh_userauth_kbdint_getnprompts(s);
        for (int i = 0; i < n; ++i) {
            char echo = 0;
            const char* prompt = ssh_userauth_kbdint_getprompt(s, static_cast<unsigned>(i), &echo);
            std::string p = prompt ? prompt : "";
            bool asks_password = !echo && (p.find("assword") != std::string::npos || p.find("PIN") != std::string::npos ||
                                           p.find("asscode") != std::string::npos);
            if (asks_password) {
                if (answered) return SSH_AUTH_DENIED;
                answered = true;
                ssh_userauth_kbdint_setanswer(s, static_cast<unsigned>(i), password.reveal().c_str());
            } else {
                ssh_userauth_kbdint_setanswer(s, static_cast<unsigned>(i), "");
            }
        }
        rc = ssh_userauth_kbdint(s, nullptr, nullptr);
    }
    return rc == SSH_AUTH_INFO ? SSH_AUTH_DENIED : rc;
}

// Signs with each given key file straight away: one round trip instead of libssh's
// query-then-sign, when there is no agent to ask first. nullopt: none of them was accepted.
std::optional<int> direct_key_login(ssh_session s, const Auth& a) {
    if (std::getenv("SSH_AUTH_SOCK") != nullptr || a.method == Auth::Method::agent) return std::nullopt;
    for (const auto& file : a.identity_files) {
        KeyHandle key;
        // No passphrase callback: an encrypted key is skipped here (ssh-agent is the way to use one).
        if (ssh_pki_import_privkey_file(file.c_str(), nullptr, nullptr, nullptr, &key.k) != SSH_OK) continue;
        int rc = ssh_userauth_publickey(s, nullptr, key.k);
        if (rc == SSH_AUTH_SUCCESS || rc == SSH_AUTH_ERROR) return rc;
    }
    return std::nullopt;
}

bool authenticate(ssh_session s, const ConnectOptions& o, const std::string& login, Secrets& secrets, Transcript& t,
                  std::string& method_used, Failure& failure) {
    if (o.auth.method == Auth::Method::key || o.auth.method == Auth::Method::automatic) {
        if (auto rc = direct_key_login(s, o.auth)) {
            if (*rc == SSH_AUTH_SUCCESS) {
                method_used = "publickey";
                t.event("logged in with a key");
                return true;
            }
            failure = {"auth", fmt::format("{}: authentication failed: {}", login, libssh_error(s))};
            return false;
        }
    }
    int rc = ssh_userauth_none(s, nullptr);
    if (rc == SSH_AUTH_SUCCESS) {
        method_used = "none";
        return true;
    }
    if (rc == SSH_AUTH_ERROR) {
        failure = {"auth", fmt::format("{}: authentication failed: {}", login, libssh_error(s))};
        return false;
    }
    int methods = ssh_userauth_list(s, nullptr);
    t.event(fmt::format("device accepts {}", describe_methods(methods)));
    const Auth& a = o.auth;
    std::vector<std::string> tried;

    if (a.method == Auth::Method::automatic || a.method == Auth::Method::agent || a.method == Auth::Method::key) {
        if (!(methods & SSH_AUTH_METHOD_PUBLICKEY)) {
            failure = {"auth", fmt::format("{}: the device does not accept keys (it offers {}); use a credential with "
                                           "method password or prompt", login, describe_methods(methods))};
            return false;
        }
        bool agent = std::getenv("SSH_AUTH_SOCK") != nullptr;
        if (a.method == Auth::Method::agent) {
            rc = agent ? ssh_userauth_agent(s, nullptr) : SSH_AUTH_DENIED;
            tried.push_back(agent ? "ssh-agent" : "ssh-agent (SSH_AUTH_SOCK is not set)");
        } else {
            // Agent first, then the files (-i and key_file were put first in the identity list),
            // then ~/.ssh/config's IdentityFile entries and the defaults: OpenSSH's order.
            rc = ssh_userauth_publickey_auto(s, nullptr, nullptr);
            tried.push_back(agent ? "ssh-agent" : "ssh-agent (SSH_AUTH_SOCK is not set)");
            std::error_code ec;
            for (const auto& f : a.identity_files)
                tried.push_back(std::filesystem::exists(f, ec) ? f : f + " (missing)");
            if (a.method == Auth::Method::automatic) tried.push_back("the default keys in " + user_ssh_dir());
        }
        if (rc == SSH_AUTH_SUCCESS) {
            method_used = "publickey";
            t.event("logged in with a key");
            return true;
        }
        if (rc == SSH_AUTH_ERROR) {
            failure = {"auth", fmt::format("{}: authentication failed: {}", login, libssh_error(s))};
            return false;
        }
        std::string list;
        for (const auto& x : tried) list += (list.empty() ? "" : ", ") + x;
        failure = {"auth", fmt::format("{}: no key was accepted (tried {}); check the user name and that the key is "
                                       "authorised on the device, or use -i FILE", login, list)};
        return false;
    }

    // Password or keyboard-interactive, with the password from a named variable or the terminal.
    std::string key = a.label.empty() ? login : a.label;
    Result<Secret> password = a.method == Auth::Method::password
                                  ? secrets.from_env(a.password_env)
                                  : secrets.from_prompt(key, key == "password" ? "Password: " : fmt::format("Password for {}: ", key));
    if (!password) {
        failure = {"auth", fmt::format("{}: {}", login, password.error().message)};
        return false;
    }
    t.add_secret(password->reveal());
    std::string source = a.method == Auth::Method::password ? "the password in " + a.password_env : "the password typed";
    if (methods & SSH_AUTH_METHOD_PASSWORD) {
        rc = ssh_userauth_password(s, nullptr, password->reveal().c_str());
        method_used = "password";
    } else if (methods & SSH_AUTH_METHOD_INTERACTIVE) {
        rc = kbdint_password(s, *password);
        method_used = "keyboard-interactive";
    } else {
        failure = {"auth", fmt::format("{}: the device does not accept passwords (it offers {}); use a key",
                                       login, describe_methods(methods))};
        return false;
    }
    if (rc == SSH_AUTH_SUCCESS) {
        t.event(fmt::format("logged in with {} ({})", method_used, source));
        return true;
    }
    if (rc == SSH_AUTH_ERROR) {
        failure = {"auth", fmt::format("{}: authentication failed: {}", login, libssh_error(s))};
        return false;
    }
    // One attempt per run: retrying a wrong password only locks the account.
    failure = {"auth", fmt::format("{}: {} was rejected ({}, 1 attempt, not retried so the account is not locked); "
                                   "check the user name and the password", login, source, method_used)};
    return false;
}

std::string get_option(ssh_session s, enum ssh_options_e opt) {
    char* v = nullptr;
    if (ssh_options_get(s, opt, &v) != SSH_OK || v == nullptr) return {};
    std::string out = v;
    ssh_string_free_char(v);
    return out;
}

}  // namespace

std::unique_ptr<Connection> Connection::open(const ConnectOptions& o, Secrets& secrets, Transcript& t, Failure& failure) {
    init_libssh();
    auto conn = std::unique_ptr<Connection>(new Connection());
    SocketHandle sock;  // declared before the session: closed after it is freed
    SessionHandle h;
    if (!h.s) {
        failure = {"ssh", "out of memory creating an SSH session"};
        return nullptr;
    }
    ssh_session s = h.s;
    int verbosity = SSH_LOG_NOLOG;
    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
    ssh_options_set(s, SSH_OPTIONS_HOST, o.target.address.c_str());
    if (o.ssh_config != "none") {
        // Like OpenSSH: the command line and inventory win, the config file fills the gaps.
        if (ssh_options_parse_config(s, o.ssh_config.empty() ? nullptr : o.ssh_config.c_str()) != SSH_OK) {
            failure = {"ssh", fmt::format("{}: cannot read the SSH configuration {}: {}", o.target.to_string(),
                                          o.ssh_config.empty() ? "~/.ssh/config" : o.ssh_config, libssh_error(s))};
            return nullptr;
        }
    }
    bool no = false;
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
    if (!o.target.user.empty()) ssh_options_set(s, SSH_OPTIONS_USER, o.target.user.c_str());
    if (o.target.port) {
        unsigned int port = static_cast<unsigned int>(*o.target.port);
        ssh_options_set(s, SSH_OPTIONS_PORT, &port);
    }
    int one = 1;
    ssh_options_set(s, SSH_OPTIONS_NODELAY, &one);
    std::string known_hosts = o.host_keys.known_hosts.empty() ? user_ssh_dir() + "/known_hosts" : o.host_keys.known_hosts;
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str());
    // Prepended in reverse so the list keeps the order given, ahead of config and default files.
    for (auto it = o.auth.identity_files.rbegin(); it != o.auth.identity_files.rend(); ++it)
        ssh_options_set(s, SSH_OPTIONS_IDENTITY, it->c_str());
    long connect_timeout = static_cast<long>(o.timeouts.connect_s);
    long connect_usec = static_cast<long>((o.timeouts.connect_s - static_cast<double>(connect_timeout)) * 1e6);
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &connect_timeout);
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &connect_usec);

    conn->address_ = get_option(s, SSH_OPTIONS_HOST);
    conn->user_ = get_option(s, SSH_OPTIONS_USER);
    unsigned int eff_port = 22;
    ssh_options_get_port(s, &eff_port);
    conn->port_ = static_cast<int>(eff_port);
    std::string login = fmt::format("{}@{}", conn->user_, host_for_known_hosts(conn->address_, conn->port_));
    t.event(fmt::format("connecting to {}", login));

    std::string proxy = get_option(s, SSH_OPTIONS_PROXYCOMMAND);
    if (o.jump) {
        ConnectOptions jo;
        jo.target = *o.jump;
        jo.auth = Auth{};
        jo.auth.identity_files = o.auth.identity_files;
        jo.host_keys = o.host_keys;
        jo.timeouts = o.timeouts;
        jo.ssh_config = o.ssh_config;
        jo.stop = o.stop;
        Failure jf;
        auto bastion = Connection::open(jo, secrets, t, jf);
        if (!bastion) {
            failure = {jf.kind == "host-key-changed" ? jf.kind : "jump",
                       fmt::format("{}: via bastion {}: {}", o.target.to_string(), o.jump->to_string(), jf.message)};
            return nullptr;
        }
        auto tunnel = std::make_unique<Tunnel>();
        tunnel->bastion = std::move(bastion);
        ssh_session bs = tunnel->bastion->session();
        tunnel->channel = ssh_channel_new(bs);
        if (!tunnel->channel ||
            ssh_channel_open_forward(tunnel->channel, conn->address_.c_str(), conn->port_, "127.0.0.1", 0) != SSH_OK) {
            failure = {"jump", fmt::format("{}: the bastion {} could not open a connection to {} port {}: {}",
                                           o.target.to_string(), o.jump->to_string(), conn->address_, conn->port_,
                                           libssh_error(bs))};
            return nullptr;
        }
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
            failure = {"jump", fmt::format("cannot create a socket pair: {}", std::strerror(errno))};
            return nullptr;
        }
        tunnel->local = sv[1];
        sock.fd = sv[0];
        ssh_options_set(s, SSH_OPTIONS_FD, &sv[0]);
        Tunnel* raw = tunnel.get();
        tunnel->pump = std::thread([raw] { raw->run(); });
        conn->tunnel_ = std::move(tunnel);
        t.event(fmt::format("tunnel through {} open", o.jump->to_string()));
    } else if (proxy.empty()) {
        std::string why;
        int fd = tcp_connect(conn->address_, conn->port_, o.timeouts.connect_s, o.stop, why);
        if (fd < 0) {
            failure = {o.stop && o.stop->load() ? "stopped" : "connect", fmt::format("{}: {}", o.target.to_string(), why)};
            t.event(failure.message);
            return nullptr;
        }
        sock.fd = fd;
        ssh_options_set(s, SSH_OPTIONS_FD, &fd);
    }
    if (ssh_connect(s) != SSH_OK) {
        failure = {"ssh", fmt::format("{}: SSH handshake failed: {}; check that the port speaks SSH", o.target.to_string(),
                                      libssh_error(s))};
        t.event(failure.message);
        return nullptr;
    }
    t.event("SSH handshake done");
    if (!verify_host_key(s, o, conn->address_, conn->port_, known_hosts, t, conn->fingerprint_, failure)) return nullptr;

    long auth_timeout = static_cast<long>(o.timeouts.auth_s);
    long zero = 0;
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &auth_timeout);
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &zero);
    if (!authenticate(s, o, login, secrets, t, conn->auth_method_, failure)) {
        t.event(failure.message);
        return nullptr;
    }
    conn->session_ = h.release();
    conn->socket_ = sock.release();
    return conn;
}

Connection::~Connection() {
    if (session_) {
        if (ssh_is_connected(session_)) ssh_disconnect(session_);
        ssh_free(session_);
    }
    if (socket_ >= 0) ::close(socket_);
    tunnel_.reset();  // after the inner session: its end of the pipe is closed, so the pump stops
}

}  // namespace nockit::ssh
