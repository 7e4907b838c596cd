// SPDX-License-Identifier: MIT
/*
 * libkucomms for C++17: RAII owners over the C API of kucomms.h, handlers
 * as callables, errors as std::system_error carrying the errno value and
 * kucomms_last_error()'s sentence.
 *
 *	kucomms::Handlers h;
 *	h.message = [](kucomms::LinkRef link, const kucomms::Header &hdr,
 *		       const void *data) { link.send(hdr, data); };	// echo
 *	kucomms::Endpoint ep(h);
 *	kucomms::Link link = ep.open_target("shm:demo");
 *	ep.start();
 *
 * Handlers run on the endpoint's thread and must not throw: an exception
 * leaving one terminates the program (it cannot cross the C library).
 * A Link and its Endpoint may be destroyed in any order: the C endpoint
 * is freed once the last of them is gone, and destroying the Endpoint
 * object stops its thread at once.
 */
#ifndef KUCOMMS_KUCOMMS_HPP
#define KUCOMMS_KUCOMMS_HPP

#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <kucomms/kucomms.h>

namespace kucomms {

using Header = kucomms_msg_header;
using LinkOptions = kucomms_link_options;
using LinkCounters = struct kucomms_link_counters;
using EndpointCounters = struct kucomms_endpoint_counters;

/* Throw std::system_error for a negative errno value; return it otherwise. */
inline int check(int ret)
{
	if (ret < 0)
		throw std::system_error(-ret, std::generic_category(), kucomms_last_error());
	return ret;
}

/*
 * A link without ownership: what handlers receive, and what a Link is.
 * Cheap to copy; valid while its Link lives.
 */
class LinkRef {
public:
	explicit LinkRef(kucomms_link *link = nullptr) noexcept : link_(link) {}

	kucomms_link *get() const noexcept { return link_; }
	explicit operator bool() const noexcept { return link_ != nullptr; }
	bool operator==(const LinkRef &o) const noexcept { return link_ == o.link_; }
	bool operator!=(const LinkRef &o) const noexcept { return link_ != o.link_; }

	/* Send; throws std::system_error (ENOBUFS when the ring is full). */
	void send(const Header &h, const void *data = nullptr) const
	{
		check(kucomms_send(link_, &h, data));
	}
	void send_locked(const Header &h, const void *data = nullptr) const
	{
		check(kucomms_send_locked(link_, &h, data));
	}
	/* The same without exceptions: 0 or a negative errno value. */
	int try_send(const Header &h, const void *data = nullptr) const noexcept
	{
		return kucomms_send(link_, &h, data);
	}
	int try_send_locked(const Header &h, const void *data = nullptr) const noexcept
	{
		return kucomms_send_locked(link_, &h, data);
	}

	LinkCounters counters() const
	{
		LinkCounters c;

		check(kucomms_link_counters(link_, &c));
		return c;
	}
	std::string target() const { return kucomms_link_target(link_); }
	std::uint64_t max_length() const { return kucomms_link_max_length(link_); }
	void set_user(void *user) const noexcept { kucomms_link_set_user(link_, user); }
	void *user() const noexcept { return kucomms_link_user(link_); }
	/* Publish this shm link to monitors (kucomms_link_monitor_enable()). */
	void monitor_enable() const { check(kucomms_link_monitor_enable(link_)); }

protected:
	kucomms_link *link_;
};

struct Handlers {
	std::function<void(LinkRef, const Header &, const void *data)> message;
	std::function<void()> work;
	std::function<void()> timer;
	std::function<void(LinkRef, int state, int err)> link_state;
};

struct EndpointOptions {
	std::uint64_t spin_ns = KUCOMMS_DEFAULT_SPIN_NS;
	std::uint64_t work_period_ns = KUCOMMS_DEFAULT_WORK_PERIOD_NS;
	std::uint64_t timer_period_ns = KUCOMMS_DEFAULT_TIMER_PERIOD_NS;
};

namespace detail {

/* The C endpoint and the handlers it calls, shared by Endpoint and Links. */
class Core {
public:
	Core(Handlers h, const EndpointOptions &o) : h_(std::move(h))
	{
		kucomms_handlers ch = {};
		kucomms_endpoint_options co = { o.spin_ns, o.work_period_ns, o.timer_period_ns };

		ch.message = on_message;
		if (h_.work)
			ch.work = on_work;
		if (h_.timer)
			ch.timer = on_timer;
		if (h_.link_state)
			ch.link_state = on_link_state;
		if (!h_.message)
			throw std::system_error(EINVAL, std::generic_category(),
						"kucomms::Endpoint: a message handler is required");
		ep_ = kucomms_endpoint_create(&ch, this, &co);
		if (!ep_)
			throw std::system_error(errno, std::generic_category(),
						kucomms_last_error());
	}
	~Core() { kucomms_endpoint_destroy(ep_); }
	Core(const Core &) = delete;
	Core &operator=(const Core &) = delete;

	kucomms_endpoint *ep() const noexcept { return ep_; }

private:
	static void on_message(kucomms_link *l, const Header *h, const void *d, void *user) noexcept
	{
		static_cast<Core *>(user)->h_.message(LinkRef(l), *h, d);
	}
	static void on_work(kucomms_endpoint *, void *user) noexcept
	{
		static_cast<Core *>(user)->h_.work();
	}
	static void on_timer(kucomms_endpoint *, void *user) noexcept
	{
		static_cast<Core *>(user)->h_.timer();
	}
	static void on_link_state(kucomms_link *l, int state, int err, void *user) noexcept
	{
		static_cast<Core *>(user)->h_.link_state(LinkRef(l), state, err);
	}

	Handlers h_;
	kucomms_endpoint *ep_ = nullptr;
};

} // namespace detail

/* An owned link: closed when destroyed. Move-only. */
class Link : public LinkRef {
public:
	Link() noexcept = default;
	Link(std::shared_ptr<detail::Core> core, kucomms_link *link) noexcept
	    : LinkRef(link), core_(std::move(core))
	{
	}
	Link(Link &&o) noexcept : LinkRef(o.link_), core_(std::move(o.core_)) { o.link_ = nullptr; }
	Link &operator=(Link &&o) noexcept
	{
		if (this != &o) {
			close();
			link_ = o.link_;
			core_ = std::move(o.core_);
			o.link_ = nullptr;
		}
		return *this;
	}
	Link(const Link &) = delete;
	Link &operator=(const Link &) = delete;
	~Link() { close(); }

	/* Close now (from any thread, or a handler); no-op when empty. */
	void close() noexcept
	{
		kucomms_link_close(link_);
		link_ = nullptr;
		core_.reset();
	}

private:
	std::shared_ptr<detail::Core> core_;
};

class Endpoint {
public:
	explicit Endpoint(Handlers h, const EndpointOptions &o = EndpointOptions())
	    : core_(std::make_shared<detail::Core>(std::move(h), o))
	{
	}
	/* Stops the thread; the C endpoint lives on while a Link holds it. */
	~Endpoint()
	{
		if (core_)
			kucomms_endpoint_stop(core_->ep());
	}
	Endpoint(Endpoint &&) noexcept = default;
	Endpoint &operator=(Endpoint &&) = delete;
	Endpoint(const Endpoint &) = delete;
	Endpoint &operator=(const Endpoint &) = delete;

	void start() { check(kucomms_endpoint_start(core_->ep())); }
	void stop() { check(kucomms_endpoint_stop(core_->ep())); }

	Link shm_create(const std::string &name, const LinkOptions *o = nullptr)
	{
		kucomms_link *l;

		check(kucomms_link_shm_create(core_->ep(), name.c_str(), o, &l));
		return Link(core_, l);
	}
	Link shm_attach(const std::string &name)
	{
		kucomms_link *l;

		check(kucomms_link_shm_attach(core_->ep(), name.c_str(), &l));
		return Link(core_, l);
	}
	Link device_open(const std::string &path, const LinkOptions *o = nullptr)
	{
		kucomms_link *l;

		check(kucomms_link_device_open(core_->ep(), path.c_str(), o, &l));
		return Link(core_, l);
	}
	Link open_target(const std::string &target, const LinkOptions *o = nullptr)
	{
		kucomms_link *l;

		check(kucomms_link_open_target(core_->ep(), target.c_str(), o, &l));
		return Link(core_, l);
	}
	/* A link between @a and @b (which may be the same endpoint). */
	static std::pair<Link, Link> inproc_pair(Endpoint &a, Endpoint &b,
						 const LinkOptions *o = nullptr)
	{
		kucomms_link *la, *lb;

		check(kucomms_link_inproc_pair(a.core_->ep(), b.core_->ep(), o, &la, &lb));
		return { Link(a.core_, la), Link(b.core_, lb) };
	}

	/* Send on every live link; the number of links sent on. */
	int broadcast(const Header &h, const void *data = nullptr)
	{
		return check(kucomms_broadcast(core_->ep(), &h, data));
	}

	EndpointCounters counters() const
	{
		EndpointCounters c;

		check(kucomms_endpoint_counters(core_->ep(), &c));
		return c;
	}
	kucomms_endpoint *get() const noexcept { return core_->ep(); }

private:
	std::shared_ptr<detail::Core> core_;
};

using MonitorRecord = kucomms_mon_record;

/*
 * A monitor of "shm:NAME", "/dev/kucomms_NAME" or "/dev/kucomms"
 * (kucomms_monitor_open()); closed when destroyed. One thread at a time.
 *
 *	kucomms::Monitor m("shm:demo");
 *	kucomms::MonitorRecord rec;
 *	const void *data;
 *	while (m.wait(-1)) while (m.next(rec, data)) { ...; m.done(); }
 */
class Monitor {
public:
	explicit Monitor(const std::string &target, std::uint64_t capacity = 0,
			 std::uint32_t snaplen = 0)
	{
		check(kucomms_monitor_open(target.c_str(), capacity, snaplen, &m_));
	}
	~Monitor() { kucomms_monitor_close(m_); }
	Monitor(const Monitor &) = delete;
	Monitor &operator=(const Monitor &) = delete;

	/* True with the next record (its data valid until done()), false if none. */
	bool next(MonitorRecord &rec, const void *&data)
	{
		return check(kucomms_monitor_next(m_, &rec, &data)) > 0;
	}
	void done() noexcept { kucomms_monitor_done(m_); }
	/*
	 * Wait up to @timeout_ms (-1: for ever) for records: true if some may
	 * be there, false on timeout or once the publisher is gone and
	 * everything was read.
	 */
	bool wait(int timeout_ms)
	{
		int n = kucomms_monitor_wait(m_, timeout_ms);

		return n == -EPIPE ? false : check(n) > 0;
	}
	const kucomms_ring_producer &producer() const noexcept
	{
		return *kucomms_monitor_producer(m_);
	}

private:
	kucomms_monitor *m_ = nullptr;
};

} // namespace kucomms

#endif /* KUCOMMS_KUCOMMS_HPP */
