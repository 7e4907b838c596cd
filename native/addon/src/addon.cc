// SPDX-License-Identifier: MIT
//
// The kucomms Node-API addon: libkucomms endpoints and monitors for
// JavaScript. Node-API only, so the same binary loads in Node and in
// Electron.
#include <napi.h>

#include <kucomms/kucomms.h>

#include "delivery.h"
#include "endpoint.h"
#include "monitor.h"

namespace {

using kucomms_addon::Endpoint;
using kucomms_addon::kRecordHeaderSize;
using kucomms_addon::Monitor;

Napi::Object Init(Napi::Env env, Napi::Object exports)
{
	exports.Set("Endpoint", Endpoint::Define(env));
	exports.Set("Monitor", Monitor::Define(env));
	exports.Set("RECORD_HEADER_SIZE", Napi::Number::New(env, kRecordHeaderSize));
	exports.Set("MONITOR_RECORD_SIZE",
		    Napi::Number::New(env, (double)sizeof(struct kucomms_mon_record)));
	exports.Set("RING_MIN_CAPACITY", Napi::Number::New(env, (double)KUCOMMS_RING_MIN_CAPACITY));
	exports.Set("RING_MAX_CAPACITY", Napi::Number::New(env, (double)KUCOMMS_RING_MAX_CAPACITY));
	exports.Set("RING_DEFAULT_CAPACITY",
		    Napi::Number::New(env, (double)KUCOMMS_RING_DEFAULT_CAPACITY));
	return exports;
}

} // namespace

NODE_API_MODULE(kucomms, Init)
