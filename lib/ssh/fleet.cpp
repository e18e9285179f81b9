// A small thread pool over blocking libssh sessions: simple to reason about, and the work is
// waiting on devices, not CPU; 32 threads cost a few MiB of touched stack.
#include "ssh/fleet.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace nockit::ssh {

DeviceReport run_device(const DeviceJob& job, Secrets& secrets, const std::atomic<bool>* stop) {
    DeviceReport rep;
    rep.name = job.name;
    rep.platform = job.platform ? job.platform->name : "";
    rep.address = job.connect.target.address;
    rep.port = job.connect.target.port.value_or(22);
    rep.user = job.connect.target.user;
    auto finish = [&]() -> DeviceReport {
        rep.seconds = rep.transcript.elapsed_s();
        return std::move(rep);
    };
    if (!job.platform) {
        rep.failure = {"platform", fmt::format("{}: no platform known; set 'platform' in the inventory or give --platform", job.name)};
        return finish();
    }
    // Each command keeps up to the cap; the transcript keeps about as much for the whole session.
    rep.transcript.limit_received(job.output_cap + (1u << 20));
    try {
        auto conn = Connection::open(job.connect, secrets, rep.transcript, rep.failure);
        if (!conn) return finish();
        rep.address = conn->address();
        rep.port = conn->port();
        rep.user = conn->user();
        rep.fingerprint = conn->fingerprint();
        rep.auth_method = conn->auth_method();

        CliOptions co;
        co.timeouts = job.connect.timeouts;
        co.output_cap = job.output_cap;
        co.stop = stop;
        if (!job.connect.auth.enable_secret_env.empty()) {
            auto secret = secrets.from_env(job.connect.auth.enable_secret_env, "the enable secret");
            if (secret) co.enable_secret = std::move(secret).value();
            else rep.notes.push_back(fmt::format("enable skipped: {}", secret.error().message));
        }
        auto cli = DeviceCli::open(*conn, *job.platform, std::move(co), rep.transcript, rep.failure);
        if (!cli) return finish();
        rep.prompt = cli->prompt();
        rep.banner = cli->banner();
        rep.privileged = cli->privileged();
        for (const auto& n : cli->notes()) rep.notes.push_back(n);

        for (const auto& step : job.steps) {
            if (step.wait_before_s > 0 && cli->usable()) {
                rep.transcript.event(fmt::format("waiting {:g} s before reading again", step.wait_before_s));
                auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(step.wait_before_s);
                while (std::chrono::steady_clock::now() < until && !(stop && stop->load()))
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            if (stop && stop->load() && cli->usable()) {
                CommandResult r;
                r.command = step.command;
                r.skipped = true;
                r.stopped = true;
                rep.commands.push_back(std::move(r));
                continue;
            }
            rep.commands.push_back(cli->run(step.command));
        }
        rep.transcript.event("disconnecting");
    } catch (const std::exception& e) {
        rep.failure = {"internal", fmt::format("{}: {}", job.name, e.what())};
    }
    return finish();
}

void run_fleet(const std::vector<DeviceJob>& jobs, int parallel, Secrets& secrets, const std::atomic<bool>* stop,
               const std::function<void(std::size_t, DeviceReport&&)>& done) {
    if (jobs.empty()) return;
    std::size_t workers = static_cast<std::size_t>(std::max(1, parallel));
    workers = std::min(workers, jobs.size());
    std::atomic<std::size_t> next{0};
    std::mutex deliver;
    auto work = [&] {
        for (;;) {
            std::size_t i = next.fetch_add(1);
            if (i >= jobs.size()) return;
            DeviceReport rep;
            if (stop && stop->load()) {
                rep.name = jobs[i].name;
                rep.platform = jobs[i].platform ? jobs[i].platform->name : "";
                rep.address = jobs[i].connect.target.address;
                rep.failure = {"stopped", fmt::format("{}: not queried, the run was stopped first", jobs[i].name)};
            } else {
                rep = run_device(jobs[i], secrets, stop);
            }
            std::lock_guard lock(deliver);
            done(i, std::move(rep));
        }
    };
    if (workers == 1) {
        work();
        return;
    }
    std::vector<std::thread> pool;
    pool.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) pool.emplace_back(work);
    for (auto& t : pool) t.join();
}

}  // namespace nockit::ssh
