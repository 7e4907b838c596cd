// SPDX-License-Identifier: MIT
#include "options.h"

namespace kucomms_addon {

uint64_t OptionalU64(Napi::Object opts, const char *owner, const char *key, uint64_t fallback,
		     uint64_t max)
{
	Napi::Value v = opts.Get(key);
	Napi::Env env = opts.Env();
	std::string name = std::string(owner) + " options." + key;

	if (v.IsUndefined())
		return fallback;
	if (!v.IsNumber())
		throw Napi::TypeError::New(env, name + " must be a number.");
	double d = v.As<Napi::Number>().DoubleValue();
	if (!(d >= 0 && d <= (double)max) || d != (double)(uint64_t)d)
		throw Napi::RangeError::New(env, name + " must be a whole number from 0 to " +
							 std::to_string(max) + ".");
	return (uint64_t)d;
}

std::string CheckedConstructorArgs(const Napi::CallbackInfo &info, const char *owner)
{
	if (!info[0].IsString() || !info[1].IsObject() || !info[2].IsFunction() ||
	    !info[3].IsFunction())
		throw Napi::TypeError::New(info.Env(),
					   std::string("new ") + owner +
						   "(target, options, onBatch, onDown) needs a "
						   "string, an object and two functions.");
	return info[0].As<Napi::String>().Utf8Value();
}

} // namespace kucomms_addon
