// Reading OpenSSH known_hosts files for what libssh does not tell: which key is recorded for a
// host whose key changed, so the refusal can show both fingerprints. Hashed names included.
#pragma once

#include <libssh/libssh.h>

#include <string>
#include <vector>

namespace nockit::ssh {

/// Owns a libssh key.
struct KeyHandle {
    ssh_key k = nullptr;
    KeyHandle() = default;
    KeyHandle(const KeyHandle&) = delete;
    KeyHandle& operator=(const KeyHandle&) = delete;
    ~KeyHandle() { ssh_key_free(k); }
};

/// "SHA256:..." of a key, as OpenSSH prints it ("?" when libssh cannot hash it).
std::string fingerprint(ssh_key key);

/// A key type as OpenSSH prints it: "ssh-ed25519" -> "ED25519", "ecdsa-sha2-nistp256" -> "ECDSA".
std::string key_type(const std::string& algorithm);

/// One host-key line of a known_hosts file: "names algorithm base64-key".
struct KnownHostsEntry {
    std::string names;
    std::string algorithm;
    std::string key;
    int line = 0;
};

/// The host-key lines of `file`; comments, blank lines, @revoked and @cert-authority lines are left out.
std::vector<KnownHostsEntry> known_hosts_entries(const std::string& file);

struct RecordedKey {
    std::string type;         ///< "ED25519", "ECDSA", "RSA"
    std::string fingerprint;  ///< "SHA256:..."
    int line = 0;
};

/// The keys `file` records for `host` (as known_hosts names it: "addr" for port 22, else
/// "[addr]:port"), plain or hashed (|1|salt|hash) entries; revoked and CA lines are skipped.
std::vector<RecordedKey> recorded_keys(const std::string& file, const std::string& host);

/// HMAC-SHA1 (RFC 2104), as OpenSSH hashes host names.
std::string hmac_sha1(const std::string& key, const std::string& message);

/// Base64 (RFC 4648) decoding; empty on malformed input.
std::string base64_decode(const std::string& text);

}  // namespace nockit::ssh
