// SPDX-License-Identifier: MIT
#include "delivery.h"

#include <cstring>
#include <ctime>

#include "errors.h"

namespace kucomms_addon {

namespace {

uint64_t RealtimeNs()
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

size_t Padded(uint64_t length)
{
	return ((size_t)length + 7) & ~(size_t)7;
}

uint64_t MessageDataLength(const uint8_t *head)
{
	uint64_t length;

	memcpy(&length, head + 16, 8);
	return length;
}

void PutU64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v)); // the host is little-endian, as the ABI
}

} // namespace

void SetDeliveryCounters(Napi::Object out, const DeliveryStats &d)
{
	Napi::Env env = out.Env();

	out.Set("delivered", Napi::BigInt::New(env, d.delivered));
	out.Set("batches", Napi::BigInt::New(env, d.batches));
	out.Set("stalls", Napi::BigInt::New(env, d.stalls));
	out.Set("pendingBytes", Napi::BigInt::New(env, d.pending_bytes));
	out.Set("peakPendingBytes", Napi::BigInt::New(env, d.peak_pending_bytes));
}

Delivery *Delivery::Create(Napi::Env env, Napi::Function on_batch, Napi::Function on_down,
			   const Options &opts)
{
	Delivery *self = new Delivery(opts);

	self->on_down_ = Napi::Persistent(on_down);
	self->tsfn_ = Tsfn::New(env, on_batch, "kucomms-delivery", 0, 1, self, Finalize,
				static_cast<void *>(nullptr));
	return self;
}

Delivery::Options Delivery::MessageRecords(size_t max_batch, size_t max_pending_bytes)
{
	return { max_batch, max_pending_bytes, kRecordHeaderSize, MessageDataLength };
}

size_t Delivery::RecordSize(const uint8_t *head) const
{
	return opts_.head_size + Padded(opts_.data_length(head));
}

void Delivery::Append(Direction dir, const struct kucomms_msg_header *hdr, const void *data)
{
	uint8_t head[kRecordHeaderSize];
	uint32_t d = (uint32_t)dir;

	PutU64(head, RealtimeNs());
	memcpy(head + 8, &d, 4);
	memset(head + 12, 0, 4);
	PutU64(head + 16, hdr->length);
	PutU64(head + 24, hdr->type);
	PutU64(head + 32, hdr->id);
	PutU64(head + 40, hdr->user_value);
	AppendRecord(head, data, dir == Direction::kSent);
}

void Delivery::AppendRecord(const void *head, const void *data, bool sent)
{
	size_t at = queue_.size();
	uint64_t length = opts_.data_length(static_cast<const uint8_t *>(head));
	size_t size = RecordSize(static_cast<const uint8_t *>(head));
	uint8_t *rec;

	queue_.resize(at + size);
	rec = queue_.data() + at;
	memcpy(rec, head, opts_.head_size);
	if (length)
		memcpy(rec + opts_.head_size, data, length);
	memset(rec + opts_.head_size + length, 0, size - opts_.head_size - length);
	if (sent)
		stats_.sent++;
	else
		stats_.received++;
	if (queue_.size() - head_ > stats_.peak_pending_bytes)
		stats_.peak_pending_bytes = queue_.size() - head_;
	Schedule();
}

void Delivery::Schedule()
{
	if (scheduled_)
		return;
	// An unbounded call queue never blocks; only "closing" can fail, and
	// then nobody is left to deliver to.
	if (tsfn_.NonBlockingCall() == napi_ok)
		scheduled_ = true;
}

// Waits while JS is behind; false once closing (queue nothing then).
bool Delivery::WaitForSpace(std::unique_lock<std::mutex> &lock)
{
	if (!closing_ && queue_.size() - head_ >= opts_.max_pending_bytes) {
		stats_.stalls++;
		space_.wait(lock, [this] {
			return closing_ || queue_.size() - head_ < opts_.max_pending_bytes;
		});
	}
	return !closing_;
}

void Delivery::PushReceived(const struct kucomms_msg_header *hdr, const void *data)
{
	std::unique_lock<std::mutex> lock(mutex_);

	if (WaitForSpace(lock))
		Append(Direction::kReceived, hdr, data);
}

void Delivery::PushRecord(const void *head, const void *data)
{
	std::unique_lock<std::mutex> lock(mutex_);

	if (WaitForSpace(lock))
		AppendRecord(head, data, false);
}

void Delivery::LinkDown(int err, const std::string &detail)
{
	std::lock_guard<std::mutex> lock(mutex_);

	if (closing_ || down_)
		return;
	down_ = true;
	down_err_ = err;
	down_detail_ = detail;
	Schedule();
}

DeliveryStats Delivery::Stats()
{
	std::lock_guard<std::mutex> lock(mutex_);
	DeliveryStats s = stats_;

	s.pending_bytes = queue_.size() - head_;
	return s;
}

void Delivery::BeginClose()
{
	{
		std::lock_guard<std::mutex> lock(mutex_);

		closing_ = true;
	}
	space_.notify_all();
}

void Delivery::Release()
{
	tsfn_.Release();
}

void DeliveryCallJs(Napi::Env env, Napi::Function on_batch, Delivery *self, void *)
{
	// env is null when the environment is going away: nothing to call.
	if (env == nullptr) {
		std::lock_guard<std::mutex> lock(self->mutex_);

		self->scheduled_ = false;
		return;
	}
	self->Drain(env, on_batch);
}

void Delivery::Drain(Napi::Env env, Napi::Function on_batch)
{
	for (;;) {
		Napi::Buffer<uint8_t> batch;
		size_t count = 0;
		bool report_down = false;
		int err = 0;
		std::string detail;

		{
			std::lock_guard<std::mutex> lock(mutex_);
			size_t end = head_;

			while (end < queue_.size() && count < opts_.max_batch) {
				end += RecordSize(queue_.data() + end);
				count++;
			}
			if (count) {
				batch = Napi::Buffer<uint8_t>::Copy(env, queue_.data() + head_,
								    end - head_);
				head_ = end;
				if (head_ == queue_.size()) {
					queue_.clear();
					head_ = 0;
				}
				stats_.delivered += count;
				stats_.batches++;
			} else if (down_) {
				report_down = true;
				down_ = false;
				err = down_err_;
				detail = down_detail_;
			} else {
				scheduled_ = false;
				return;
			}
		}
		space_.notify_all();
		try {
			if (report_down)
				on_down_.Call({ ErrnoError(env, err, detail).Value() });
			else
				on_batch.Call({ batch, Napi::Number::New(env, (double)count) });
		} catch (const Napi::Error &) {
			// The callback threw: keep delivering what is queued in a
			// later call, and let the exception reach the process.
			std::lock_guard<std::mutex> lock(mutex_);

			scheduled_ = false;
			if (head_ < queue_.size() || down_)
				Schedule();
			throw;
		}
	}
}

void Delivery::Finalize(Napi::Env, void *, Delivery *self)
{
	self->on_down_.Reset();
	delete self;
}

} // namespace kucomms_addon
