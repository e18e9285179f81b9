// The inventory every program shares: devices (hosts, groups, defaults, Nornir style), customers
// and their access ports, address segments and the teams that own them, escalation contacts.
// Loaded from YAML and validated up front; errors name the file, the line and the key.
#pragma once

#include "core/result.hpp"
#include "net/address.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nockit::inventory {

/// How to log in to a device. Only references to secrets: an agent, a key file, the *name* of an
/// environment variable, or "ask at the prompt". Never a password.
struct Credential {
    enum class Method {
        automatic,  ///< as OpenSSH by default: ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa
        agent,      ///< ssh-agent only
        key,        ///< the key file in `key_file` (agent first, like OpenSSH with -i)
        password,   ///< password (or keyboard-interactive) from the variable named `password_env`
        prompt,     ///< password typed at the terminal
    };
    std::string name;
    Method method = Method::automatic;
    std::string key_file;
    std::string password_env;
    std::string enable_secret_env;  ///< variable holding the enable secret, when the platform has one
    std::string origin;             ///< "FILE:LINE"
};
std::string_view to_string(Credential::Method m);

/// A device, with its groups' and the defaults' values already applied.
struct Host {
    std::string name;
    std::string address;        ///< IP address or DNS name (Nornir's `hostname`)
    std::optional<int> port;    ///< none: 22, or what ~/.ssh/config says
    std::string platform;       ///< ntc-templates platform name, e.g. cisco_ios
    std::string site;
    std::vector<std::string> groups;  ///< as written on the host
    std::string username;       ///< empty: the local user (or ~/.ssh/config)
    std::string credential;     ///< name of an entry under `credentials:`; empty: automatic
    std::string jump;           ///< bastion: another host's name or user@address[:port]
    nlohmann::json data = nlohmann::json::object();  ///< free-form, merged defaults < groups < host
    std::string origin;         ///< "FILE:LINE"

    /// "user@address:port" as an engineer would type it to ssh.
    std::string login() const;
};

/// A customer's service and where it enters our network.
struct Customer {
    std::string id;
    std::string name;
    std::string cpe;            ///< the customer equipment's address
    std::string access_device;  ///< a host name from `hosts:`
    std::string access_port;    ///< the port on that device, e.g. GigabitEthernet1/0/3
    std::string service;
    std::string site;
    nlohmann::json data = nlohmann::json::object();
    std::string origin;
};

/// A block of addresses and the team that owns it.
struct Segment {
    std::string name;
    std::vector<net::Prefix> prefixes;
    std::string team;
    std::string description;
    std::string origin;
};

/// One person or desk to call.
struct Contact {
    std::string name;
    std::string role;
    std::string phone;
    std::string email;
};

/// A team that is escalated to, with its contacts in the order to try them.
struct Team {
    std::string id;
    std::string name;
    std::string hours;  ///< e.g. "24x7" or "Mon-Fri 08:00-18:00 CET"
    std::vector<Contact> contacts;
    std::string origin;
};

class Inventory {
public:
    std::string source;  ///< the file it came from
    std::map<std::string, Host, std::less<>> hosts;
    std::map<std::string, Credential, std::less<>> credentials;
    std::map<std::string, Customer, std::less<>> customers;
    std::map<std::string, Segment, std::less<>> segments;
    std::map<std::string, Team, std::less<>> teams;
    std::map<std::string, std::vector<std::string>, std::less<>> groups;  ///< group -> its parent groups

    const Host* host(std::string_view name) const;
    /// True when the host is in `group`, directly or through a parent group.
    bool in_group(const Host& host, std::string_view group) const;
    const Customer* customer(std::string_view id) const;
    /// The credential a host refers to; the automatic one when it names none.
    Credential credential_for(const Host& host) const;
    /// The segment whose prefixes hold `address` (longest prefix wins), or null.
    const Segment* segment_for(const net::Address& address) const;
};

/// Parses inventory YAML; `source` names it in errors. Platforms must be among `platforms`.
Result<Inventory> parse(const std::string& yaml, const std::string& source, const std::vector<std::string>& platforms);
/// Reads and parses an inventory file.
Result<Inventory> load(const std::string& path, const std::vector<std::string>& platforms);

/// Which devices to work on: names, groups, sites, customers' access devices, or all.
struct Selection {
    std::vector<std::string> names;
    std::vector<std::string> groups;
    std::vector<std::string> sites;
    std::vector<std::string> customers;
    bool all = false;
};

/// A device picked for a run; `customer` is set when it was picked as a customer's access device.
struct Device {
    Host host;
    Credential credential;
    std::optional<Customer> customer;
};

/// The devices a selection names, each once, in the order given. Unknown names, groups, sites
/// and customers are errors that say where to look ("did you mean ...?").
Result<std::vector<Device>> select(const Inventory& inventory, const Selection& selection);

/// A device that is not in any inventory: "user@host[:port]" or "[v6]:port" with a platform.
Result<Host> parse_adhoc(const std::string& text, const std::string& platform,
                         const std::vector<std::string>& platforms);

/// True when `text` is a valid device address: an IP address, or a DNS name.
bool valid_address(std::string_view text);

}  // namespace nockit::inventory
