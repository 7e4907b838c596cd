// SPDX-License-Identifier: MIT
//
// Delivery: hands the records a native thread produces to JavaScript in
// batches: an endpoint's messages, or a monitor's records (monitor.h).
//
// The endpoint thread copies each received message out of the ring into a
// pending byte queue (one record per message, layout below) and, if no call
// is already on its way, asks the JS thread to drain the queue through a
// thread-safe function. The JS thread takes up to max_batch records at a
// time into one Buffer and makes one call per Buffer, until the queue is
// empty. So an idle consumer gets each message at once, and a busy one gets
// everything that piled up meanwhile in one call.
//
// Backpressure: when the queue holds max_pending_bytes or more, the endpoint
// thread waits for JS to take some before it copies more. Meanwhile it reads
// nothing, so the receive ring fills and the peer's sends fail with ENOBUFS
// (counted on its side): a slow consumer never makes messages vanish.
//
// Sent messages go through the same queue, appended under the same lock as
// the send itself, so a capture sees both directions in the order they
// happened.
//
// A record is a fixed head, then data bytes padded with zeros to a multiple
// of 8; Options::data_length reads a record's data length from its head.
// An endpoint's records (all little-endian, 8-byte aligned):
//   0  u64 timestamp: CLOCK_REALTIME nanoseconds
//   8  u32 direction: 0 received, 1 sent
//   12 u32 zero
//   16 u64 length, 24 u64 type, 32 u64 id, 40 u64 user_value
//   48 data (length bytes), then zero padding to a multiple of 8
#ifndef KUCOMMS_ADDON_DELIVERY_H
#define KUCOMMS_ADDON_DELIVERY_H

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <napi.h>

#include <kucomms/kucomms.h>

namespace kucomms_addon {

constexpr size_t kRecordHeaderSize = 48;

enum class Direction : uint32_t { kReceived = 0, kSent = 1 };

class Delivery;
void DeliveryCallJs(Napi::Env env, Napi::Function on_batch, Delivery *self, void *unused);

struct DeliveryStats {
	uint64_t received = 0;	    // records queued from the peer (or a monitor)
	uint64_t sent = 0;	    // records queued for our own sends
	uint64_t delivered = 0;	    // records handed to JS
	uint64_t batches = 0;	    // JS calls made
	uint64_t stalls = 0;	    // times the endpoint thread waited for JS
	uint64_t pending_bytes = 0; // queued, not yet handed to JS
	uint64_t peak_pending_bytes = 0;
};

// Sets @d's counters JavaScript is shown (delivered, batches, stalls,
// pendingBytes, peakPendingBytes) on @out, as BigInts.
void SetDeliveryCounters(Napi::Object out, const DeliveryStats &d);

class Delivery {
public:
	struct Options {
		size_t max_batch;	  // records per JS call (1: one call per message)
		size_t max_pending_bytes; // backpressure threshold
		size_t head_size;	  // bytes of each record before its data
		// The data length of the record whose head is at @head.
		uint64_t (*data_length)(const uint8_t *head);
	};

	// An endpoint's records: the 48-byte head above.
	static Options MessageRecords(size_t max_batch, size_t max_pending_bytes);

	// JS thread. @on_batch(buffer, count) gets the records; @on_down(code,
	// message) is called once if the link dies, after its last message.
	static Delivery *Create(Napi::Env env, Napi::Function on_batch, Napi::Function on_down,
				const Options &opts);

	// Endpoint thread: queue one received message; may wait (backpressure).
	void PushReceived(const struct kucomms_msg_header *hdr, const void *data);

	// Producer thread: queue one record of Options::head_size bytes at
	// @head and the data its head announces; may wait (backpressure).
	void PushRecord(const void *head, const void *data);

	// Any thread: run @send() (returning 0 or a negative errno) and, if it
	// succeeded and @record is set, queue the message as sent, atomically
	// with respect to received records.
	template <typename Send>
	int SendAndRecord(const struct kucomms_msg_header *hdr, const void *data, bool record,
			  Send send)
	{
		if (!record)
			return send();

		std::unique_lock<std::mutex> lock(mutex_);
		int err = send();

		if (err == 0 && !closing_)
			Append(Direction::kSent, hdr, data);
		return err;
	}

	// Endpoint thread: the link died with @err.
	void LinkDown(int err, const std::string &detail);

	DeliveryStats Stats();

	// JS thread, once: stop queueing and wake a waiting endpoint thread.
	void BeginClose();
	// JS thread, once, after the endpoint thread ended: records already
	// queued are still delivered, then this object deletes itself.
	void Release();

private:
	using Tsfn = Napi::TypedThreadSafeFunction<Delivery, void, DeliveryCallJs>;
	friend void DeliveryCallJs(Napi::Env env, Napi::Function on_batch, Delivery *self,
				   void *unused);

	explicit Delivery(const Options &opts) : opts_(opts) {}
	static void Finalize(Napi::Env env, void *unused, Delivery *self);
	void Drain(Napi::Env env, Napi::Function on_batch);
	void Append(Direction dir, const struct kucomms_msg_header *hdr, const void *data);
	void AppendRecord(const void *head, const void *data, bool sent);
	bool WaitForSpace(std::unique_lock<std::mutex> &lock);
	size_t RecordSize(const uint8_t *head) const;
	void Schedule();

	const Options opts_;
	Tsfn tsfn_;
	Napi::FunctionReference on_down_;

	std::mutex mutex_;
	std::condition_variable space_; // signalled when JS took records
	std::vector<uint8_t> queue_;	// records from head_ to end
	size_t head_ = 0;
	bool scheduled_ = false; // a JS call is queued or running
	bool closing_ = false;
	bool down_ = false; // link died; not yet reported
	int down_err_ = 0;
	std::string down_detail_;
	DeliveryStats stats_;
};

} // namespace kucomms_addon

#endif // KUCOMMS_ADDON_DELIVERY_H
