// One authenticated SSH connection to a device (libssh): TCP with Nagle off, strict host-key
// checking against OpenSSH's known_hosts, OpenSSH's order of authentication methods, an optional
// bastion (like ProxyJump), and a deadline on every step.
#pragma once

#include "ssh/secret.hpp"
#include "ssh/transcript.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct ssh_session_struct;

namespace nockit::ssh {

/// Where to connect: address (or name), port and user; unset values come from ~/.ssh/config or defaults.
struct Endpoint {
    std::string address;
    std::optional<int> port;
    std::string user;

    /// "user@address:port", IPv6 in brackets.
    std::string to_string() const;
};

/// Parses "[user@]host[:port]" (IPv6 as [addr]:port).
Result<Endpoint> parse_endpoint(const std::string& text);

/// Deadlines for each step, in seconds.
struct Timeouts {
    double connect_s = 10;  ///< TCP connect and SSH key exchange
    double auth_s = 15;     ///< authentication
    double prompt_s = 20;   ///< the first prompt after login (and pager/enable set-up)
    double command_s = 60;  ///< each command's output, up to the prompt
};

/// How to authenticate (see inventory::Credential): references to secrets, never the secrets.
struct Auth {
    enum class Method { automatic, agent, key, password, prompt };
    Method method = Method::automatic;
    std::vector<std::string> identity_files;  ///< -i files and the credential's key_file, tried first
    std::string password_env;                 ///< method password: the variable's name
    std::string enable_secret_env;            ///< the enable secret's variable, if any
    std::string label;                        ///< the credential's name, for prompts and messages
};

/// Host-key checking as OpenSSH does it with StrictHostKeyChecking=yes (or accept-new).
struct HostKeyPolicy {
    std::string known_hosts;  ///< empty: ~/.ssh/known_hosts of the user running the program
    bool accept_new = false;  ///< record keys of hosts seen for the first time; changed keys are still refused
};

struct ConnectOptions {
    Endpoint target;
    std::optional<Endpoint> jump;  ///< a bastion that opens the TCP connection to the target
    Auth auth;
    HostKeyPolicy host_keys;
    Timeouts timeouts;
    std::string ssh_config;  ///< empty: ~/.ssh/config and /etc/ssh/ssh_config; "none": no file
    const std::atomic<bool>* stop = nullptr;  ///< set by Ctrl-C: give up promptly
};

/// Why a device could not be queried; `kind` is stable for scripts.
struct Failure {
    std::string kind;     ///< "address", "connect", "host-key-unknown", "host-key-changed", "auth", "jump", "ssh", "prompt", "closed", "stopped"
    std::string message;  ///< one line naming the device and the fix
    explicit operator bool() const { return !kind.empty(); }
};

class Connection {
public:
    /// Connects, checks the host key and logs in. Returns null and fills `failure` when any step fails;
    /// nothing is sent to a device whose host key does not match.
    static std::unique_ptr<Connection> open(const ConnectOptions& options, Secrets& secrets, Transcript& transcript,
                                            Failure& failure);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    ssh_session_struct* session() const { return session_; }
    const std::string& fingerprint() const { return fingerprint_; }  ///< "SHA256:..." of the host key
    const std::string& auth_method() const { return auth_method_; }  ///< how the login succeeded
    const std::string& user() const { return user_; }
    const std::string& address() const { return address_; }
    int port() const { return port_; }

private:
    struct Tunnel;
    Connection() = default;

    ssh_session_struct* session_ = nullptr;
    int socket_ = -1;  // ours: libssh does not close a socket handed to it (SSH_OPTIONS_FD)
    std::unique_ptr<Tunnel> tunnel_;
    std::string fingerprint_, auth_method_, user_, address_;
    int port_ = 22;
};

/// The directory where OpenSSH keeps the user's files: ~/.ssh, with ~ from the password
/// database as OpenSSH does (not $HOME).
std::string user_ssh_dir();

/// The default identity files OpenSSH tries, in order: id_ed25519, id_ecdsa, id_rsa in `ssh_dir`.
std::vector<std::string> default_identity_files(const std::string& ssh_dir);

}  // namespace nockit::ssh
