// SPDX-License-Identifier: MIT
//
// SendBurstWorker: sends one message @count times (ids counting up from the
// first) off the JS thread, waiting out a full ring instead of failing, so
// load tests and benchmarks are not bounded by one JS call per message.
// Resolves with the number sent; rejects on any error other than a full
// ring, or with ERR_ENDPOINT_CLOSED when the endpoint closes first.
#ifndef KUCOMMS_ADDON_SEND_BURST_H
#define KUCOMMS_ADDON_SEND_BURST_H

#include <cstdint>
#include <string>
#include <vector>

#include <napi.h>

#include <kucomms/kucomms.h>

namespace kucomms_addon {

class Endpoint;

class SendBurstWorker : public Napi::AsyncWorker {
public:
	SendBurstWorker(Napi::Object owner, Endpoint *endpoint, uint64_t count,
			const struct kucomms_msg_header &hdr, std::vector<uint8_t> data,
			std::string target);

	Napi::Promise Promise() { return deferred_.Promise(); }

protected:
	void Execute() override;
	void OnOK() override;
	void OnError(const Napi::Error &e) override;

private:
	Napi::ObjectReference owner_; // keeps the endpoint from being collected
	Endpoint *endpoint_;
	uint64_t count_;
	struct kucomms_msg_header hdr_;
	std::vector<uint8_t> data_;
	std::string target_;
	Napi::Promise::Deferred deferred_;
	uint64_t sent_ = 0;
	int err_ = 0;
};

} // namespace kucomms_addon

#endif // KUCOMMS_ADDON_SEND_BURST_H
