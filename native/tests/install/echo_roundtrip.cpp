// SPDX-License-Identifier: MIT
/*
 * The C++ twin of echo_roundtrip.c, through kucomms.hpp: the same one
 * message out and back, the same "echoed ..." line.
 */
#include <chrono>
#include <cstdio>
#include <future>

#include <kucomms/kucomms.hpp>

int main()
{
	std::promise<kucomms::Header> echoed;
	kucomms::Handlers echoer, sender;

	echoer.message = [](kucomms::LinkRef link, const kucomms::Header &hdr, const void *data) {
		link.send(hdr, data);
	};
	sender.message = [&echoed](kucomms::LinkRef, const kucomms::Header &hdr, const void *) {
		echoed.set_value(hdr);
	};
	try {
		kucomms::Endpoint a(sender), b(echoer);
		auto links = kucomms::Endpoint::inproc_pair(a, b);
		a.start();
		b.start();
		kucomms::Header msg{};
		msg.type = 7;
		msg.id = 42;
		msg.user_value = 1234;
		links.first.send_locked(msg);
		auto future = echoed.get_future();
		if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
			std::fprintf(stderr, "echo_roundtrip: no echo within 30 s\n");
			return 1;
		}
		kucomms::Header back = future.get();
		std::printf("echoed type=%llu id=%llu user_value=%llu\n",
			    (unsigned long long)back.type, (unsigned long long)back.id,
			    (unsigned long long)back.user_value);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "echo_roundtrip: %s\n", e.what());
		return 1;
	}
	return 0;
}
