// SPDX-License-Identifier: MIT
//
// Endpoint: one libkucomms endpoint (and its thread) with one link to one
// target, as a JavaScript object. See ../kucomms.d.ts for the contract.
#ifndef KUCOMMS_ADDON_ENDPOINT_H
#define KUCOMMS_ADDON_ENDPOINT_H

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include <napi.h>

#include <kucomms/kucomms.h>

#include "delivery.h"
#include "teardown.h"

namespace kucomms_addon {

// An in-process link from the endpoint to itself: what is sent comes back
// as received. For benchmarks, and for trying things without a peer.
constexpr const char *kLoopbackTarget = "inproc:loopback";

class Endpoint : public Napi::ObjectWrap<Endpoint>, public StoppedAtTeardown {
public:
	static Napi::Function Define(Napi::Env env);

	explicit Endpoint(const Napi::CallbackInfo &info);
	~Endpoint() override;

	// For SendBurst's worker thread.
	int SendOne(const struct kucomms_msg_header *hdr, const void *data);
	bool BurstCancelled() const { return closing_.load(); }
	void BurstDone();

private:
	Napi::Value Send(const Napi::CallbackInfo &info);
	Napi::Value SendBurst(const Napi::CallbackInfo &info);
	Napi::Value Counters(const Napi::CallbackInfo &info);
	Napi::Value Close(const Napi::CallbackInfo &info);
	Napi::Value Target(const Napi::CallbackInfo &info);
	Napi::Value MaxLength(const Napi::CallbackInfo &info);

	void CheckOpen(Napi::Env env, const char *what);
	void Shutdown() override;

	static void OnMessage(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
			      const void *data, void *user);
	static void OnLinkState(struct kucomms_link *link, int state, int err, void *user);

	std::string target_;
	bool report_sent_ = true;
	struct kucomms_endpoint *ep_ = nullptr;
	struct kucomms_link *link_ = nullptr;
	struct kucomms_link *loop_rx_ = nullptr; // loopback only: the receiving end
	Delivery *delivery_ = nullptr;

	// Bursts run on libuv's pool; Shutdown() waits for them to stop.
	std::atomic<bool> closing_{ false };
	std::mutex burst_mutex_;
	std::condition_variable burst_done_;
	int bursts_ = 0;
};

} // namespace kucomms_addon

#endif // KUCOMMS_ADDON_ENDPOINT_H
