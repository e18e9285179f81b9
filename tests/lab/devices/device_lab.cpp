// DeviceLab: runs tests/lab/devices/devlab and edits device state files in place.
#include "device_lab.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nockit::test {
namespace {

void spit(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
    }
    std::filesystem::permissions(tmp, std::filesystem::perms(0644));
    std::filesystem::rename(tmp, path);  // the emulator never reads a half-written file
}

std::string devlab() { return std::string(NOCKIT_SOURCE_DIR) + "/tests/lab/devices/devlab"; }
std::string devcli() { return std::string(NOCKIT_BINARY_DIR) + "/tests/lab/devices/nockit-devcli"; }

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void require_device_lab() {
    const char* why = nullptr;
    if (geteuid() != 0) why = "needs root (sshd and a lab user)";
    else if (access("/usr/sbin/sshd", X_OK) != 0) why = "needs /usr/sbin/sshd (apt-get install openssh-server)";
    else if (access(devcli().c_str(), X_OK) != 0) why = "needs the device emulator (ninja nockit-devcli)";
    else if (access("/usr/bin/python3", X_OK) != 0) why = "needs /usr/bin/python3";
    if (why) {
        std::fprintf(stderr, "skipped: the SSH device lab %s\n", why);
        std::exit(77);
    }
}

DeviceLab::DeviceLab(const std::string& devices, bool bastion, bool kbdint) {
    char tmpl[] = "/tmp/nockit-devlab-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("cannot create a lab directory");
    dir_ = tmpl;
    std::vector<std::string> argv{devlab(), "up", "--dir", dir_, "--devices", devices, "--devcli", devcli(),
                                  "--owner", std::to_string(getpid())};
    if (bastion) argv.push_back("--bastion");
    if (kbdint) argv.push_back("--kbdint");
    auto r = run(argv, {}, 120);
    if (r.status != 0) {
        run({devlab(), "down", "--dir", dir_, "--clean"}, {}, 30);
        throw std::runtime_error("devlab up failed: " + r.err);
    }
    auto info = nlohmann::json::parse(read_text(dir_ + "/lab.json"));
    for (const auto& d : info["devices"]) {
        Device dev{d["name"], d["platform"], d["address"], d["dir"], d["customer"], d["customer_port"], d["cpe"], d["port"]};
        original_[dev.name] = read_text(dev.dir + "/state");
        devices_.push_back(dev);
    }
    if (info["bastion"].is_object()) {
        const auto& b = info["bastion"];
        bastion_ = info["user"].get<std::string>() + "@" + b["address"].get<std::string>() + ":" + std::to_string(b["port"].get<int>());
        const auto& h = b["hidden"];
        Device dev{h["name"], h["platform"], h["address"], h["dir"], "", h["customer_port"], "", h["port"]};
        original_[dev.name] = read_text(dev.dir + "/state");
        devices_.push_back(dev);
    }
}

DeviceLab& DeviceLab::shared(const std::string& devices, bool bastion) {
    static DeviceLab* instance = nullptr;
    if (!instance) {
        require_device_lab();
        instance = new DeviceLab(devices, bastion);
        std::atexit([] { delete instance; });
    }
    return *instance;
}

DeviceLab::~DeviceLab() { run({devlab(), "down", "--dir", dir_, "--clean"}, {}, 60); }

std::string DeviceLab::password() const { return trim(read_text(dir_ + "/password")); }
std::string DeviceLab::enable_secret() const { return trim(read_text(dir_ + "/enable_secret")); }

const DeviceLab::Device& DeviceLab::device(const std::string& name) const {
    for (const auto& d : devices_)
        if (d.name == name) return d;
    throw std::runtime_error("no lab device " + name);
}

void DeviceLab::set_port(const std::string& device, const std::string& port, const std::map<std::string, std::string>& values) {
    const auto& d = this->device(device);
    std::istringstream in(read_text(d.dir + "/state"));
    std::string line, out;
    bool found = false;
    while (std::getline(in, line)) {
        if (line.rfind("port " + port + " ", 0) == 0) {
            found = true;
            for (const auto& [k, v] : values) {
                auto at = line.find(" " + k + "=");
                if (at != std::string::npos) {
                    auto end = at + k.size() + 2;
                    if (end < line.size() && line[end] == '"') end = line.find('"', end + 1) + 1;
                    else end = line.find(' ', end);
                    line.erase(at, end == std::string::npos ? std::string::npos : end - at);
                }
                line += " " + k + "=" + v;
            }
        }
        out += line + "\n";
    }
    if (!found) throw std::runtime_error("no port " + port + " on " + device);
    spit(d.dir + "/state", out);
}

void DeviceLab::set_state(const std::string& device, const std::string& key, const std::string& value) {
    const auto& d = this->device(device);
    std::istringstream in(read_text(d.dir + "/state"));
    std::string line, out;
    while (std::getline(in, line))
        if (line.rfind(key + " ", 0) != 0 && line != key) out += line + "\n";
    if (!value.empty()) out += key + " " + value + "\n";
    spit(d.dir + "/state", out);
}

void DeviceLab::reset(const std::string& device) { spit(this->device(device).dir + "/state", original_.at(device)); }

std::string DeviceLab::commands_log(const std::string& device) const { return read_text(this->device(device).dir + "/commands.log"); }
std::string DeviceLab::sshd_log(const std::string& device) const { return read_text(this->device(device).dir + "/sshd.log"); }

void DeviceLab::clear_logs(const std::string& device) {
    const auto& d = this->device(device);
    for (const char* f : {"/commands.log", "/sshd.log"}) {
        std::ofstream out(d.dir + f, std::ios::trunc);
    }
}

std::vector<std::string> DeviceLab::query_args() const {
    return {"--inventory", inventory(), "--known-hosts", known_hosts(), "--ssh-config", "none"};
}

std::vector<std::string> command(const std::string& program_name, std::vector<std::string> args, const std::vector<std::string>& more) {
    std::vector<std::string> argv{program(program_name)};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
}

}  // namespace nockit::test
