// Tests' handle on a lab of SSH devices (devlab: OpenSSH's sshd with the CLI emulator as its
// forced command, on loopback addresses): bring it up, change a device's state mid-test, read
// what each device received, take it down.
#pragma once

#include "process.hpp"

#include <map>
#include <string>
#include <vector>

namespace nockit::test {

/// The whole text of a file ("" when it cannot be read).
std::string read_text(const std::string& path);

/// Exits with 77 (skipped) and a line saying why, unless a device lab can run here (root, sshd).
void require_device_lab();

class DeviceLab {
public:
    struct Device {
        std::string name, platform, address, dir, customer, customer_port, cpe;
        int port = 0;
    };

    /// Brings up devices like "cisco_ios:2,linux:1"; `bastion` adds hidden-1 behind a bastion;
    /// `kbdint` has the devices ask for passwords by keyboard-interactive (PAM).
    /// Throws std::runtime_error with devlab's message when it cannot.
    explicit DeviceLab(const std::string& devices, bool bastion = false, bool kbdint = false);
    /// One lab for the whole test program, brought up on first use (skipping the program when a
    /// lab cannot run here) and taken down at exit.
    static DeviceLab& shared(const std::string& devices, bool bastion = false);
    ~DeviceLab();
    DeviceLab(const DeviceLab&) = delete;
    DeviceLab& operator=(const DeviceLab&) = delete;

    const std::string& dir() const { return dir_; }
    std::string inventory() const { return dir_ + "/inventory.yaml"; }
    std::string known_hosts() const { return dir_ + "/known_hosts"; }
    std::string key() const { return dir_ + "/id_lab"; }
    std::string password() const;
    std::string enable_secret() const;
    const std::vector<Device>& devices() const { return devices_; }
    const Device& device(const std::string& name) const;
    /// The bastion's "user@address:port" (empty without one).
    const std::string& bastion() const { return bastion_; }

    /// Sets key=value pairs on one "port NAME ..." line of a device's state file.
    void set_port(const std::string& device, const std::string& port, const std::map<std::string, std::string>& values);
    /// Sets (or with an empty value removes) a top-level key of a device's state file.
    void set_state(const std::string& device, const std::string& key, const std::string& value);
    /// Restores a device's state to what devlab wrote.
    void reset(const std::string& device);
    /// Command lines the device received (its commands.log), and sshd's log for it.
    std::string commands_log(const std::string& device) const;
    std::string sshd_log(const std::string& device) const;
    void clear_logs(const std::string& device);

    /// Arguments every noc-query run against this lab needs: inventory, known_hosts, no ssh config.
    std::vector<std::string> query_args() const;

private:
    std::string dir_;
    std::string bastion_;
    std::vector<Device> devices_;
    std::map<std::string, std::string> original_;  // device -> state text as written by devlab
};

/// argv of a built program with arguments appended.
std::vector<std::string> command(const std::string& program_name, std::vector<std::string> args,
                                 const std::vector<std::string>& more = {});

}  // namespace nockit::test
