// SPDX-License-Identifier: MIT
#include "endpoint.h"

#include <cerrno>
#include <sched.h>
#include <vector>

#include "errors.h"
#include "options.h"
#include "send_burst.h"

namespace kucomms_addon {

namespace {

// The defaults: delivery in batches of up to 4096 records, and
// backpressure once 1 MiB waits for JavaScript.
constexpr double kDefaultMaxBatch = 4096;
constexpr double kDefaultMaxPendingBytes = 1 << 20;

} // namespace

// Header fields from JS: a BigInt in 0 .. 2^64-1, or a TypeError/RangeError
// naming the argument.
uint64_t HeaderField(const Napi::Value &v, const char *name)
{
	bool lossless = false;
	uint64_t out;

	if (!v.IsBigInt())
		throw Napi::TypeError::New(v.Env(), std::string("The message ") + name +
							    " must be a BigInt.");
	out = v.As<Napi::BigInt>().Uint64Value(&lossless);
	if (!lossless)
		throw Napi::RangeError::New(v.Env(), std::string("The message ") + name +
							     " must be from 0 to 2^64-1.");
	return out;
}

Napi::Function Endpoint::Define(Napi::Env env)
{
	return DefineClass(env, "Endpoint",
			   {
				   InstanceMethod<&Endpoint::Send>("send"),
				   InstanceMethod<&Endpoint::SendBurst>("sendBurst"),
				   InstanceMethod<&Endpoint::Counters>("counters"),
				   InstanceMethod<&Endpoint::Close>("close"),
				   InstanceAccessor<&Endpoint::Target>("target"),
				   InstanceAccessor<&Endpoint::MaxLength>("maxLength"),
			   });
}

// new Endpoint(target, options, onBatch, onDown)
Endpoint::Endpoint(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Endpoint>(info)
{
	Napi::Env env = info.Env();

	target_ = CheckedConstructorArgs(info, "Endpoint");

	Napi::Object opts = info[1].As<Napi::Object>();
	struct kucomms_link_options link_opts = {
		OptionalU64(opts, "Endpoint", "txCapacity", 0, KUCOMMS_RING_MAX_CAPACITY),
		OptionalU64(opts, "Endpoint", "rxCapacity", 0, KUCOMMS_RING_MAX_CAPACITY),
	};
	struct kucomms_endpoint_options ep_opts;

	kucomms_endpoint_options_init(&ep_opts);
	ep_opts.spin_ns = OptionalU64(opts, "Endpoint", "spinNs", ep_opts.spin_ns, 1000000000ULL);
	Delivery::Options delivery_opts =
		Delivery::MessageRecords((size_t)OptionalU64(opts, "Endpoint", "maxBatch",
							     kDefaultMaxBatch, 1u << 24),
					 (size_t)OptionalU64(opts, "Endpoint", "maxPendingBytes",
							     kDefaultMaxPendingBytes, 1ULL << 32));
	if (delivery_opts.max_batch == 0)
		throw Napi::RangeError::New(env, "Endpoint options.maxBatch must be at least 1.");
	Napi::Value report_sent = opts.Get("reportSent");
	report_sent_ = report_sent.IsUndefined() || report_sent.ToBoolean();

	// The delivery exists before the thread that feeds it.
	delivery_ = Delivery::Create(env, info[2].As<Napi::Function>(),
				     info[3].As<Napi::Function>(), delivery_opts);

	struct kucomms_handlers handlers = {};
	handlers.message = OnMessage;
	handlers.link_state = OnLinkState;
	int err = 0;
	ep_ = kucomms_endpoint_create(&handlers, this, &ep_opts);
	if (!ep_)
		err = -errno;
	if (!err)
		err = kucomms_endpoint_start(ep_);
	if (!err && target_ == kLoopbackTarget)
		err = kucomms_link_inproc_pair(ep_, ep_, &link_opts, &link_, &loop_rx_);
	else if (!err)
		err = kucomms_link_open_target(ep_, target_.c_str(), &link_opts, &link_);
	if (err) {
		Napi::Error e = ErrnoError(env, err, "open " + target_, true);

		delivery_->BeginClose();
		kucomms_endpoint_destroy(ep_);
		ep_ = nullptr;
		delivery_->Release();
		delivery_ = nullptr;
		throw e;
	}
	// Registered after the delivery's own thread-safe function, so it runs
	// first at teardown: the endpoint thread stops before delivery ends.
	WatchTeardown(env);
}

Endpoint::~Endpoint()
{
	Shutdown();
}

void Endpoint::Shutdown()
{
	if (!ep_)
		return;
	closing_ = true;
	if (delivery_)
		delivery_->BeginClose();
	{
		std::unique_lock<std::mutex> lock(burst_mutex_);

		burst_done_.wait(lock, [this] { return bursts_ == 0; });
	}
	kucomms_endpoint_destroy(ep_); // joins the thread, closes the link
	ep_ = nullptr;
	link_ = nullptr;
	loop_rx_ = nullptr;
	if (delivery_)
		delivery_->Release();
	delivery_ = nullptr;
	UnwatchTeardown();
}

void Endpoint::OnMessage(struct kucomms_link *, const struct kucomms_msg_header *hdr,
			 const void *data, void *user)
{
	static_cast<Endpoint *>(user)->delivery_->PushReceived(hdr, data);
}

void Endpoint::OnLinkState(struct kucomms_link *link, int state, int err, void *user)
{
	Endpoint *self = static_cast<Endpoint *>(user);

	if (state == KUCOMMS_LINK_DOWN)
		self->delivery_->LinkDown(err, std::string("link to ") + kucomms_link_target(link));
}

void Endpoint::CheckOpen(Napi::Env env, const char *what)
{
	if (!ep_) {
		Napi::Error e = Napi::Error::New(env, std::string(what) + " " + target_ +
							      ": the endpoint is closed");

		e.Set("code", Napi::String::New(env, "ERR_ENDPOINT_CLOSED"));
		throw e;
	}
}

int Endpoint::SendOne(const struct kucomms_msg_header *hdr, const void *data)
{
	return delivery_->SendAndRecord(hdr, data, report_sent_,
					[&] { return kucomms_send_locked(link_, hdr, data); });
}

// send(type, id, userValue, data?)
Napi::Value Endpoint::Send(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	struct kucomms_msg_header hdr;
	const void *data = nullptr;

	CheckOpen(env, "send to");
	hdr.type = HeaderField(info[0], "type");
	hdr.id = HeaderField(info[1], "id");
	hdr.user_value = HeaderField(info[2], "userValue");
	hdr.length = 0;
	if (info[3].IsBuffer() || info[3].IsTypedArray()) {
		Napi::Uint8Array bytes = info[3].As<Napi::Uint8Array>();

		hdr.length = bytes.ByteLength();
		data = bytes.Data();
	} else if (!info[3].IsUndefined()) {
		throw Napi::TypeError::New(env, "The message data must be a Buffer or Uint8Array.");
	}
	int err = SendOne(&hdr, data);
	if (err)
		throw ErrnoError(env, err, "send to " + target_);
	return env.Undefined();
}

// sendBurst(count, type, firstId, userValue, data?) -> Promise<number>
Napi::Value Endpoint::SendBurst(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();

	CheckOpen(env, "send to");
	if (!info[0].IsNumber())
		throw Napi::TypeError::New(env, "sendBurst: count must be a number.");
	double count = info[0].As<Napi::Number>().DoubleValue();
	if (!(count >= 0 && count <= 9007199254740991.0) || count != (double)(uint64_t)count)
		throw Napi::RangeError::New(env, "sendBurst: count must be a whole number >= 0.");
	struct kucomms_msg_header hdr = {
		0,
		HeaderField(info[1], "type"),
		HeaderField(info[2], "id"),
		HeaderField(info[3], "userValue"),
	};
	std::vector<uint8_t> data;
	if (info[4].IsBuffer() || info[4].IsTypedArray()) {
		Napi::Uint8Array bytes = info[4].As<Napi::Uint8Array>();

		data.assign(bytes.Data(), bytes.Data() + bytes.ByteLength());
	} else if (!info[4].IsUndefined()) {
		throw Napi::TypeError::New(env, "The message data must be a Buffer or Uint8Array.");
	}
	hdr.length = data.size();
	{
		std::lock_guard<std::mutex> lock(burst_mutex_);

		bursts_++;
	}
	SendBurstWorker *w = new SendBurstWorker(info.This().As<Napi::Object>(), this,
						 (uint64_t)count, hdr, std::move(data), target_);
	w->Queue();
	return w->Promise();
}

void Endpoint::BurstDone()
{
	{
		std::lock_guard<std::mutex> lock(burst_mutex_);

		bursts_--;
	}
	burst_done_.notify_all();
}

Napi::Value Endpoint::Counters(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	struct kucomms_link_counters c;
	Napi::Object out = Napi::Object::New(env);

	CheckOpen(env, "counters of");
	int err = kucomms_link_counters(link_, &c);
	if (!err && loop_rx_) {
		// A loopback receives on its other end.
		struct kucomms_link_counters rx;

		err = kucomms_link_counters(loop_rx_, &rx);
		c.received = rx.received;
		c.bytes_received = rx.bytes_received;
		c.sleeps = rx.sleeps;
	}
	if (err)
		throw ErrnoError(env, err, "counters of " + target_);
	DeliveryStats d = delivery_->Stats();
	auto big = [&](const char *key, uint64_t v) { out.Set(key, Napi::BigInt::New(env, v)); };
	big("sent", c.sent);
	big("received", c.received);
	big("bytesSent", c.bytes_sent);
	big("bytesReceived", c.bytes_received);
	big("fullEvents", c.full_events);
	big("wakeupsSent", c.wakeups_sent);
	big("sleeps", c.sleeps);
	big("txCapacity", c.tx_capacity);
	big("txFree", c.tx_free);
	big("rxCapacity", c.rx_capacity);
	big("rxUsed", c.rx_used);
	big("peerFullEvents", c.peer_full_events);
	SetDeliveryCounters(out, d);
	return out;
}

Napi::Value Endpoint::Close(const Napi::CallbackInfo &info)
{
	Shutdown();
	return info.Env().Undefined();
}

Napi::Value Endpoint::Target(const Napi::CallbackInfo &info)
{
	return Napi::String::New(info.Env(), target_);
}

Napi::Value Endpoint::MaxLength(const Napi::CallbackInfo &info)
{
	CheckOpen(info.Env(), "maximum length of");
	return Napi::Number::New(info.Env(), (double)kucomms_link_max_length(link_));
}

} // namespace kucomms_addon
