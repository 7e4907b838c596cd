// SPDX-License-Identifier: MIT
//
// Monitor: a libkucomms monitor (kucomms_monitor_open()) of a shm link or
// of the kernel's devices, read by a thread of its own and handed to
// JavaScript in batches of raw records: each struct kucomms_mon_record (160
// bytes, linux/kucomms.h) as the ring holds it, then its caplen data bytes
// padded with zeros to a multiple of 8. See ../kucomms.d.ts.
//
// When JavaScript falls behind, the thread stops reading (Delivery's
// backpressure): the monitor's ring fills and the producer drops records,
// counting them in-band, so what JavaScript gets still says what it missed.
#ifndef KUCOMMS_ADDON_MONITOR_H
#define KUCOMMS_ADDON_MONITOR_H

#include <atomic>
#include <string>
#include <thread>

#include <napi.h>

#include <kucomms/kucomms.h>

#include "delivery.h"
#include "teardown.h"

namespace kucomms_addon {

class Monitor : public Napi::ObjectWrap<Monitor>, public StoppedAtTeardown {
public:
	static Napi::Function Define(Napi::Env env);

	explicit Monitor(const Napi::CallbackInfo &info);
	~Monitor() override;

private:
	Napi::Value Counters(const Napi::CallbackInfo &info);
	Napi::Value Close(const Napi::CallbackInfo &info);
	Napi::Value Target(const Napi::CallbackInfo &info);

	void Run();
	void Shutdown() override;

	std::string target_;
	struct kucomms_monitor *monitor_ = nullptr;
	Delivery *delivery_ = nullptr;
	std::thread thread_;
	std::atomic<bool> stopping_{ false };
};

} // namespace kucomms_addon

#endif // KUCOMMS_ADDON_MONITOR_H
