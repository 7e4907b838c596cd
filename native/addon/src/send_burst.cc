// SPDX-License-Identifier: MIT
#include "send_burst.h"

#include <cerrno>
#include <sched.h>

#include "endpoint.h"
#include "errors.h"

namespace kucomms_addon {

SendBurstWorker::SendBurstWorker(Napi::Object owner, Endpoint *endpoint, uint64_t count,
				 const struct kucomms_msg_header &hdr, std::vector<uint8_t> data,
				 std::string target)
    : Napi::AsyncWorker(owner.Env(), "kucomms-send-burst"), owner_(Napi::Persistent(owner)),
      endpoint_(endpoint), count_(count), hdr_(hdr), data_(std::move(data)),
      target_(std::move(target)), deferred_(Napi::Promise::Deferred::New(owner.Env()))
{
}

void SendBurstWorker::Execute()
{
	struct kucomms_msg_header hdr = hdr_;
	const void *data = data_.empty() ? nullptr : data_.data();

	while (sent_ < count_) {
		if (endpoint_->BurstCancelled()) {
			err_ = -ECANCELED;
			break;
		}
		hdr.id = hdr_.id + sent_;
		int err = endpoint_->SendOne(&hdr, data);
		if (err == -ENOBUFS) {
			sched_yield(); // the peer is behind: let it run
			continue;
		}
		if (err) {
			err_ = err;
			break;
		}
		sent_++;
	}
	endpoint_->BurstDone();
}

void SendBurstWorker::OnOK()
{
	Napi::Env env = Env();

	if (err_ == -ECANCELED) {
		Napi::Error e = Napi::Error::New(env, "send burst to " + target_ +
							      ": the endpoint closed after " +
							      std::to_string(sent_) + " of " +
							      std::to_string(count_) + " messages");

		e.Set("code", Napi::String::New(env, "ERR_ENDPOINT_CLOSED"));
		deferred_.Reject(e.Value());
	} else if (err_) {
		deferred_.Reject(ErrnoError(env, err_,
					    "send burst to " + target_ + " (after " +
						    std::to_string(sent_) + " messages)")
					 .Value());
	} else {
		deferred_.Resolve(Napi::Number::New(env, (double)sent_));
	}
}

void SendBurstWorker::OnError(const Napi::Error &e)
{
	deferred_.Reject(e.Value());
}

} // namespace kucomms_addon
