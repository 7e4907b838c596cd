// SPDX-License-Identifier: MIT
#include "monitor.h"

#include <cstddef>
#include <cstring>

#include <linux/kucomms.h>

#include "errors.h"
#include "options.h"

namespace kucomms_addon {

namespace {

// The offsets ../kucomms.d.ts documents for JavaScript.
static_assert(sizeof(struct kucomms_mon_record) == 160, "the record head JS reads");
static_assert(offsetof(struct kucomms_mon_record, caplen) == 20, "caplen");
static_assert(offsetof(struct kucomms_mon_record, comm) == 32, "comm");
static_assert(offsetof(struct kucomms_mon_record, device) == 48, "device");
static_assert(offsetof(struct kucomms_mon_record, msg) == 112, "msg");

constexpr double kDefaultMaxBatch = 4096;
constexpr double kDefaultMaxPendingBytes = 4 << 20;
// How often the reading thread, asleep on an idle ring, looks whether it
// is asked to stop: close() waits at most this long.
constexpr int kStopCheckMs = 50;

uint64_t CapturedLength(const uint8_t *head)
{
	uint32_t caplen;

	memcpy(&caplen, head + offsetof(struct kucomms_mon_record, caplen), sizeof(caplen));
	return caplen;
}

} // namespace

Napi::Function Monitor::Define(Napi::Env env)
{
	return DefineClass(env, "Monitor",
			   {
				   InstanceMethod<&Monitor::Counters>("counters"),
				   InstanceMethod<&Monitor::Close>("close"),
				   InstanceAccessor<&Monitor::Target>("target"),
			   });
}

// new Monitor(target, options, onBatch, onDown)
Monitor::Monitor(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Monitor>(info)
{
	Napi::Env env = info.Env();

	target_ = CheckedConstructorArgs(info, "Monitor");

	Napi::Object opts = info[1].As<Napi::Object>();
	uint64_t capacity = OptionalU64(opts, "Monitor", "capacity", 0, KUCOMMS_RING_MAX_CAPACITY);
	uint64_t snaplen = OptionalU64(opts, "Monitor", "snaplen", 0, UINT32_MAX);
	Delivery::Options delivery_opts = {
		(size_t)OptionalU64(opts, "Monitor", "maxBatch", kDefaultMaxBatch, 1u << 24),
		(size_t)OptionalU64(opts, "Monitor", "maxPendingBytes", kDefaultMaxPendingBytes,
				    1ULL << 32),
		sizeof(struct kucomms_mon_record),
		CapturedLength,
	};
	if (delivery_opts.max_batch == 0)
		throw Napi::RangeError::New(env, "Monitor options.maxBatch must be at least 1.");

	int err = kucomms_monitor_open(target_.c_str(), capacity, (uint32_t)snaplen, &monitor_);
	if (err)
		throw ErrnoError(env, err, "monitor of " + target_, true);
	delivery_ = Delivery::Create(env, info[2].As<Napi::Function>(),
				     info[3].As<Napi::Function>(), delivery_opts);
	thread_ = std::thread([this] { Run(); });
	// Registered after the delivery's thread-safe function, so it runs
	// first at teardown: the reading thread stops before delivery ends.
	WatchTeardown(env);
}

Monitor::~Monitor()
{
	Shutdown();
}

// The reading thread: every record into the delivery, until the monitor
// ends (its publisher went, the kernel stopped it) or close() is called.
void Monitor::Run()
{
	struct kucomms_mon_record rec;
	const void *data;

	while (!stopping_.load()) {
		int n = kucomms_monitor_next(monitor_, &rec, &data);

		if (n > 0) {
			delivery_->PushRecord(&rec, data);
			kucomms_monitor_done(monitor_);
			continue;
		}
		if (n == 0)
			n = kucomms_monitor_wait(monitor_, kStopCheckMs);
		if (n < 0) {
			const char *why = kucomms_last_error();

			delivery_->LinkDown(n, why && *why ? why
							   : "monitor of " + target_ + ": " +
								     kucomms_strerror(n));
			return;
		}
	}
}

void Monitor::Shutdown()
{
	if (!monitor_)
		return;
	stopping_ = true;
	delivery_->BeginClose(); // wakes the thread if it waits for JS
	thread_.join();
	kucomms_monitor_close(monitor_);
	monitor_ = nullptr;
	delivery_->Release();
	delivery_ = nullptr;
	UnwatchTeardown();
}

Napi::Value Monitor::Counters(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	Napi::Object out = Napi::Object::New(env);

	if (!monitor_) {
		Napi::Error e = Napi::Error::New(env, "counters of monitor " + target_ +
							      ": the monitor is closed");

		e.Set("code", Napi::String::New(env, "ERR_ENDPOINT_CLOSED"));
		throw e;
	}
	const struct kucomms_ring_producer *prod = kucomms_monitor_producer(monitor_);
	DeliveryStats d = delivery_->Stats();
	auto big = [&](const char *key, uint64_t v) { out.Set(key, Napi::BigInt::New(env, v)); };
	big("records", d.received);
	big("ringFullEvents", __atomic_load_n(&prod->full_events, __ATOMIC_RELAXED));
	SetDeliveryCounters(out, d);
	return out;
}

Napi::Value Monitor::Close(const Napi::CallbackInfo &info)
{
	Shutdown();
	return info.Env().Undefined();
}

Napi::Value Monitor::Target(const Napi::CallbackInfo &info)
{
	return Napi::String::New(info.Env(), target_);
}

} // namespace kucomms_addon
