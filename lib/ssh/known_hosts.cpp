// known_hosts lookup. SHA-1 here only matches OpenSSH's hashed host names; it protects nothing.
#include "ssh/known_hosts.hpp"

#include <array>
#include <cstdint>
#include <fstream>
#include <sstream>

namespace nockit::ssh {
namespace {

std::string sha1(const std::string& data) {
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::string msg = data;
    uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
    msg.push_back(static_cast<char>(0x80));
    while (msg.size() % 64 != 56) msg.push_back('\0');
    for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bits >> (i * 8)) & 0xff));
    auto rol = [](uint32_t v, int n) { return (v << n) | (v >> (32 - n)); };
    for (std::size_t off = 0; off < msg.size(); off += 64) {
        uint32_t w[80];
        for (int i = 0; i < 16; ++i)
            w[i] = (static_cast<uint32_t>(static_cast<unsigned char>(msg[off + 4 * i])) << 24) |
                   (static_cast<uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 1])) << 16) |
                   (static_cast<uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 2])) << 8) |
                   static_cast<uint32_t>(static_cast<unsigned char>(msg[off + 4 * i + 3]));
        for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            uint32_t f, k;
            if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
            else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
            else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
            else f = b ^ c ^ d, k = 0xCA62C1D6;
            uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rol(b, 30);
            b = a;
            a = t;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
    }
    std::string out;
    for (uint32_t v : h)
        for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
    return out;
}

bool name_matches(const std::string& names, const std::string& host) {
    if (names.rfind("|1|", 0) == 0) {
        auto bar = names.find('|', 3);
        if (bar == std::string::npos) return false;
        std::string salt = base64_decode(names.substr(3, bar - 3));
        std::string hash = base64_decode(names.substr(bar + 1));
        return !salt.empty() && hmac_sha1(salt, host) == hash;
    }
    std::stringstream ss(names);
    std::string n;
    while (std::getline(ss, n, ','))
        if (n == host) return true;
    return false;
}

}  // namespace

std::string base64_decode(const std::string& text) {
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t buf = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        auto pos = chars.find(c);
        if (pos == std::string::npos) return {};
        buf = (buf << 6) | static_cast<uint32_t>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buf >> bits) & 0xff));
        }
    }
    return out;
}

std::string hmac_sha1(const std::string& key_in, const std::string& message) {
    std::string key = key_in.size() > 64 ? sha1(key_in) : key_in;
    key.resize(64, '\0');
    std::string inner(64, '\0'), outer(64, '\0');
    for (int i = 0; i < 64; ++i) {
        inner[i] = static_cast<char>(key[i] ^ 0x36);
        outer[i] = static_cast<char>(key[i] ^ 0x5c);
    }
    return sha1(outer + sha1(inner + message));
}

std::string fingerprint(ssh_key key) {
    unsigned char* hash = nullptr;
    size_t len = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) != SSH_OK) return "?";
    char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    ssh_clean_pubkey_hash(&hash);
    std::string out = fp ? fp : "?";
    ssh_string_free_char(fp);
    return out;
}

std::string key_type(const std::string& algorithm) {
    if (algorithm == "ssh-ed25519") return "ED25519";
    if (algorithm.rfind("ecdsa-sha2-", 0) == 0) return "ECDSA";
    if (algorithm == "ssh-rsa") return "RSA";
    if (algorithm == "ssh-dss") return "DSA";
    return algorithm;
}

std::vector<KnownHostsEntry> known_hosts_entries(const std::string& file) {
    std::vector<KnownHostsEntry> out;
    std::ifstream in(file);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        std::stringstream ss(line);
        KnownHostsEntry e;
        e.line = n;
        if (!(ss >> e.names) || e.names[0] == '#') continue;
        if (e.names[0] == '@') continue;  // @revoked / @cert-authority lines are not host keys
        if (!(ss >> e.algorithm >> e.key)) continue;
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<RecordedKey> recorded_keys(const std::string& file, const std::string& host) {
    std::vector<RecordedKey> out;
    for (const auto& e : known_hosts_entries(file)) {
        if (!name_matches(e.names, host)) continue;
        KeyHandle key;
        if (ssh_pki_import_pubkey_base64(e.key.c_str(), ssh_key_type_from_name(e.algorithm.c_str()), &key.k) != SSH_OK) continue;
        out.push_back({key_type(e.algorithm), fingerprint(key.k), e.line});
    }
    return out;
}

}  // namespace nockit::ssh
