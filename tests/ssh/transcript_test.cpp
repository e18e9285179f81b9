// Transcripts keep what happened and never a secret.
#include "ssh/transcript.hpp"

#include <doctest/doctest.h>

using namespace nockit::ssh;

TEST_CASE("secrets never leave a transcript, even split across reads or learnt late") {
    Transcript t;
    t.sent("enable");
    t.received("Pass");
    t.received("word: ");
    t.sent_secret();
    t.received("echo of hunter");
    t.received("2-secret by a broken device\r\n");
    t.add_secret("hunter2-secret");
    auto text = t.to_text();
    CHECK(text.find("hunter2-secret") == std::string::npos);
    CHECK(text.find("********") != std::string::npos);
    auto json = t.to_json().dump();
    CHECK(json.find("hunter2-secret") == std::string::npos);
    for (const auto& e : t.entries()) CHECK(e.text.find("hunter2") == std::string::npos);
}

TEST_CASE("received chunks join into one entry and control bytes are escaped in JSON") {
    Transcript t;
    t.sent("show clock");
    t.received("14:02\x1b[0m");
    t.received("\r\nsw1#");
    auto j = t.to_json();
    REQUIRE(j.size() == 2);
    CHECK(j[1]["kind"] == "received");
    CHECK(j[1]["text"] == "14:02\\x1b[0m\\x0d\nsw1#");
    CHECK(j[0]["t"].get<double>() >= 0);
}

#include "ssh/known_hosts.hpp"

TEST_CASE("HMAC-SHA1 and base64 as OpenSSH's hashed known_hosts names need them") {
    // RFC 2202 test case 1
    std::string key(20, '\x0b');
    std::string mac = hmac_sha1(key, "Hi There");
    std::string hex;
    for (unsigned char c : mac) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
    CHECK(hex == "b617318655057264e28bc0b6fb378c8ef146be00");
    CHECK(base64_decode("aGVsbG8=") == "hello");
    CHECK(base64_decode("not base64!").empty());
}

TEST_CASE("a flood of output is counted, not kept, beyond the transcript's limit") {
    Transcript t;
    t.limit_received(10);
    t.received("0123456789abcdef");
    t.received("more");
    auto e = t.entries();
    std::string kept;
    for (const auto& x : e)
        if (x.kind == Transcript::Kind::received) kept += x.text;
    CHECK(kept == "0123456789");
}
