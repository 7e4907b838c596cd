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

size_t RecordSize(uint64_t length)
{
	return kRecordHeaderSize + (((size_t)length + 7) & ~(size_t)7);
}

void PutU64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v)); // the host is little-endian, as the ABI
}

} // namespace

Delivery *Delivery::Create(Napi::Env env, Napi::Function on_batch, Napi::Function on_down,
			   const Options &opts)
{
	Delivery *self = new Delivery(opts);

	self->on_down_ = Napi::Persistent(on_down);
	self->tsfn_ = Tsfn::New(env, on_batch, "kucomms-delivery", 0, 1, self, Finalize,
				static_cast<void *>(nullptr));
	return self;
}

void Delivery::Append(Direction dir, const struct kucomms_msg_header *hdr, const void *data)
{
	size_t at = queue_.size();
	size_t size = RecordSize(hdr->length);
	uint8_t *rec;
	uint32_t d = (uint32_t)dir;

	queue_.resize(at + size);
	rec = queue_.data() + at;
	PutU64(rec, RealtimeNs());
	memcpy(rec + 8, &d, 4);
	memset(rec + 12, 0, 4);
	PutU64(rec + 16, hdr->length);
	PutU64(rec + 24, hdr->type);
	PutU64(rec + 32, hdr->id);
	PutU64(rec + 40, hdr->user_value);
	if (hdr->length)
		memcpy(rec + kRecordHeaderSize, data, hdr->length);
	memset(rec + kRecordHeaderSize + hdr->length, 0, size - kRecordHeaderSize - hdr->length);
	if (dir == Direction::kSent)
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

void Delivery::PushReceived(const struct kucomms_msg_header *hdr, const void *data)
{
	std::unique_lock<std::mutex> lock(mutex_);

	if (!closing_ && queue_.size() - head_ >= opts_.max_pending_bytes) {
		stats_.stalls++;
		space_.wait(lock, [this] {
			return closing_ || queue_.size() - head_ < opts_.max_pending_bytes;
		});
	}
	if (!closing_)
		Append(Direction::kReceived, hdr, data);
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
				uint64_t length;

				memcpy(&length, queue_.data() + end + 16, 8);
				end += RecordSize(length);
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
