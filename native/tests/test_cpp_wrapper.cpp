// SPDX-License-Identifier: MIT
/*
 * The C++ wrapper: handlers as lambdas, RAII links and endpoints in any
 * destruction order, errors as std::system_error with errno and sentence.
 *
 * testing.h ends a failed test with longjmp, which must not skip C++
 * destructors: checks here throw, run() catches outside every RAII scope
 * and only then reports the failure.
 */
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <kucomms/kucomms.hpp>

#include "endpoint_helpers.h"
#include "testing.h"

TESTING_MAIN_STATE;

namespace {

struct check_failure : std::runtime_error {
	using std::runtime_error::runtime_error;
};

std::string where(const char *file, int line)
{
	return std::string(file) + ":" + std::to_string(line) + ": ";
}

#define EXPECT(cond)                                                                        \
	do {                                                                                \
		if (!(cond))                                                                \
			throw check_failure(where(__FILE__, __LINE__) + #cond " is false"); \
	} while (0)

#define EXPECT_EQ(actual, expected)                                                              \
	do {                                                                                     \
		long long a_ = (long long)(actual), e_ = (long long)(expected);                  \
		if (a_ != e_)                                                                    \
			throw check_failure(where(__FILE__, __LINE__) + #actual ": expected " +  \
					    std::to_string(e_) + ", got " + std::to_string(a_)); \
	} while (0)

/* Run a test body; report its failure once its objects are destroyed. */
template <class Body> void run(Body body)
{
	static char reason[400];

	try {
		body();
		return;
	} catch (const check_failure &e) {
		snprintf(reason, sizeof(reason), "%s", e.what());
	} catch (const std::exception &e) {
		snprintf(reason, sizeof(reason), "unexpected exception: %s", e.what());
	}
	testing_fail(__FILE__, __LINE__, "%s", reason);
}

/* The std::system_error @f throws, or a failure if it throws none. */
template <class F> std::system_error thrown_by(F f)
{
	try {
		f();
	} catch (const std::system_error &e) {
		return e;
	}
	throw check_failure("expected a std::system_error, none was thrown");
}

kucomms::Header message(std::uint64_t id, std::uint64_t length)
{
	kucomms::Header h = {};

	h.id = id;
	h.length = length;
	h.type = 1;
	return h;
}

} // namespace

TEST(lambdas_echo_messages_over_an_inproc_pair)
{
	run([] {
		std::atomic<std::uint64_t> echoes{ 0 }, bad{ 0 };
		kucomms::Handlers eh, rh;

		eh.message = [](kucomms::LinkRef link, const kucomms::Header &h, const void *data) {
			link.send(h, data);
		};
		rh.message = [&](kucomms::LinkRef, const kucomms::Header &h, const void *data) {
			const auto *p = static_cast<const unsigned char *>(data);

			for (std::uint64_t i = 0; i < h.length; i++)
				if (p[i] != static_cast<unsigned char>(h.id + i))
					bad++;
			echoes++;
		};
		kucomms::Endpoint echo(eh), rx(rh);
		auto links = kucomms::Endpoint::inproc_pair(rx, echo);
		echo.start();
		rx.start();
		for (std::uint64_t id = 0; id < 500; id++) {
			std::vector<unsigned char> data(id % 100);

			for (std::size_t i = 0; i < data.size(); i++)
				data[i] = static_cast<unsigned char>(id + i);
			links.first.send_locked(message(id, data.size()), data.data());
		}
		EXPECT(WAIT_FOR(echoes.load() == 500));
		EXPECT_EQ(bad.load(), 0);
		kucomms::LinkCounters c = links.first.counters();
		EXPECT_EQ(c.sent, 500);
		EXPECT_EQ(c.received, 500);
		EXPECT(links.first.target() == "inproc");
	});
}

TEST(work_and_timer_callables_run_on_the_endpoint)
{
	run([] {
		std::atomic<int> work{ 0 }, timer{ 0 };
		kucomms::Handlers h;
		kucomms::EndpointOptions o;

		h.message = [](kucomms::LinkRef, const kucomms::Header &, const void *) {};
		h.work = [&] { work++; };
		h.timer = [&] { timer++; };
		o.timer_period_ns = 20000000; /* 50 Hz, to see a few soon */
		kucomms::Endpoint ep(h, o);
		ep.start();
		EXPECT(WAIT_FOR(work.load() >= 5 && timer.load() >= 3));
		ep.stop();
		kucomms::EndpointCounters c = ep.counters();
		EXPECT_EQ(c.work_calls, work.load());
		EXPECT_EQ(c.timer_calls, timer.load());
	});
}

TEST(errors_throw_system_error_with_errno_and_sentence)
{
	run([] {
		kucomms::Handlers h;

		h.message = [](kucomms::LinkRef, const kucomms::Header &, const void *) {};
		kucomms::Endpoint ep(h);
		std::system_error e = thrown_by([&] { ep.open_target("shm:bad/name"); });
		EXPECT_EQ(e.code().value(), EINVAL);
		EXPECT(std::strstr(e.what(), "shm:bad/name: invalid name"));

		e = thrown_by([&] { ep.device_open("/dev/kucomms_no_such_device"); });
		EXPECT_EQ(e.code().value(), ENOENT);
		EXPECT(std::strstr(e.what(), "is kucomms.ko loaded"));

		auto links = kucomms::Endpoint::inproc_pair(ep, ep);
		static unsigned char big[200000];
		e = thrown_by([&] { links.first.send(message(0, sizeof(big)), big); });
		EXPECT_EQ(e.code().value(), EMSGSIZE);
		EXPECT(std::strstr(e.what(), "exceeds the ring's limit of 131040"));
		EXPECT_EQ(links.first.try_send(message(0, sizeof(big)), big), -EMSGSIZE);

		kucomms::Handlers none;
		e = thrown_by([&] { kucomms::Endpoint bad(none); });
		EXPECT_EQ(e.code().value(), EINVAL);
	});
}

TEST(a_full_ring_is_enobufs_from_try_send_and_an_exception_from_send)
{
	run([] {
		kucomms::Handlers h;
		kucomms::LinkOptions small = { 4096, 4096 };

		h.message = [](kucomms::LinkRef, const kucomms::Header &, const void *) {};
		kucomms::Endpoint a(h), b(h); /* never started: nothing drains */
		auto links = kucomms::Endpoint::inproc_pair(a, b, &small);
		int sent = 0;

		while (links.first.try_send(message(sent, 0)) == 0)
			sent++;
		EXPECT_EQ(sent, 4096 / 32);
		std::system_error e = thrown_by([&] { links.first.send(message(0, 0)); });
		EXPECT_EQ(e.code().value(), ENOBUFS);
		EXPECT_EQ(links.first.counters().full_events, 2);
	});
}

TEST(closing_a_link_object_reports_down_to_its_peer)
{
	run([] {
		std::atomic<int> down_err{ 0 };
		kucomms::Handlers h;

		h.message = [](kucomms::LinkRef, const kucomms::Header &, const void *) {};
		h.link_state = [&](kucomms::LinkRef, int state, int err) {
			if (state == KUCOMMS_LINK_DOWN)
				down_err = err;
		};
		kucomms::Endpoint a(h), b(h);
		auto links = kucomms::Endpoint::inproc_pair(a, b);
		b.start();
		links.first.close();
		EXPECT(!links.first);
		EXPECT(WAIT_FOR(down_err.load() != 0));
		EXPECT_EQ(down_err.load(), -EPIPE);
		EXPECT_EQ(links.second.try_send(message(0, 0)), -EPIPE);
	});
}

TEST(links_may_outlive_their_endpoint_object_and_move)
{
	run([] {
		kucomms::Handlers h;
		kucomms::Link kept, kept_peer;

		h.message = [](kucomms::LinkRef, const kucomms::Header &, const void *) {};
		{
			kucomms::Endpoint a(h), b(h);
			auto links = kucomms::Endpoint::inproc_pair(a, b);

			a.start();
			kept = std::move(links.first);
			kept_peer = std::move(links.second);
			EXPECT(!links.first);
		}
		/* The endpoints' threads are stopped; the links still work. */
		EXPECT_EQ(kept.try_send(message(1, 0)), 0);
		EXPECT_EQ(kept.counters().sent, 1);
		kept_peer.close();
		kucomms::Link moved(std::move(kept));
		EXPECT(moved);
		EXPECT(!kept);
	});
}

TEST(shm_links_through_the_wrapper)
{
	run([] {
		std::atomic<int> received{ 0 }, connected{ 0 };
		kucomms::Handlers ch, ah;
		char name[64];

		unique_name(name, sizeof(name), "cpp");
		/* Locked: this test also broadcasts from its own thread. */
		ch.message = [](kucomms::LinkRef link, const kucomms::Header &h, const void *data) {
			link.send_locked(h, data);
		};
		ch.link_state = [&](kucomms::LinkRef, int state, int) {
			if (state == KUCOMMS_LINK_CONNECTED)
				connected++;
		};
		ah.message = [&](kucomms::LinkRef, const kucomms::Header &, const void *) {
			received++;
		};
		kucomms::Endpoint creator(ch), attacher(ah);
		kucomms::Link created = creator.shm_create(name);
		creator.start();
		kucomms::Link attached = attacher.open_target(std::string("shm:") + name);
		attacher.start();
		EXPECT(WAIT_FOR(connected.load() == 1));
		for (int i = 0; i < 100; i++)
			attached.send_locked(message(i, 10), "0123456789");
		EXPECT(WAIT_FOR(received.load() == 100));
		EXPECT_EQ(creator.broadcast(message(7, 0)), 1);
		EXPECT(WAIT_FOR(received.load() == 101));
	});
}

TEST(a_monitor_through_the_wrapper_sees_both_directions_of_a_shm_link)
{
	run([] {
		std::atomic<int> received{ 0 };
		kucomms::Handlers ch, ah;
		char name[64];

		unique_name(name, sizeof(name), "cppmon");
		ch.message = [](kucomms::LinkRef link, const kucomms::Header &h, const void *data) {
			link.send(h, data);
		};
		ah.message = [&](kucomms::LinkRef, const kucomms::Header &, const void *) {
			received++;
		};
		kucomms::Endpoint creator(ch), attacher(ah);
		kucomms::Link created = creator.shm_create(name);
		created.monitor_enable();
		creator.start();
		kucomms::Monitor monitor(std::string("shm:") + name);
		kucomms::Link attached = attacher.open_target(std::string("shm:") + name);
		attacher.start();
		for (int i = 0; i < 10; i++)
			attached.send_locked(message(i, 10), "0123456789");
		EXPECT(WAIT_FOR(received.load() == 10));
		/* Each message twice: from the attacher (side 1), echoed by side 0. */
		int seen[2] = { 0, 0 };
		kucomms::MonitorRecord rec;
		const void *data;
		while (seen[0] + seen[1] < 20 && monitor.wait(WAIT_LIMIT_MS)) {
			while (monitor.next(rec, data)) {
				if (rec.kind == KUCOMMS_MON_MESSAGE) {
					EXPECT_EQ(rec.msg.id,
						  static_cast<std::uint64_t>(seen[rec.dir]));
					EXPECT(!memcmp(data, "0123456789", 10));
					seen[rec.dir]++;
				}
				monitor.done();
			}
		}
		EXPECT_EQ(seen[0], 10);
		EXPECT_EQ(seen[1], 10);
		EXPECT(std::string(rec.device) == std::string("shm:") + name);
		/* Only shm links publish; the error says so. */
		auto pair = kucomms::Endpoint::inproc_pair(creator, attacher);
		bool threw = false;
		try {
			pair.first.monitor_enable();
		} catch (const std::system_error &e) {
			threw = e.code().value() == EOPNOTSUPP;
		}
		EXPECT(threw);
	});
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
