// SPDX-License-Identifier: MIT
#include "errors.h"

#include <cstring>

#include <kucomms/kucomms.h>

namespace kucomms_addon {

std::string ErrnoName(int err)
{
	const char *name = strerrorname_np(err < 0 ? -err : err);

	return name ? name : "E" + std::to_string(err < 0 ? -err : err);
}

Napi::Error ErrnoError(Napi::Env env, int err, const std::string &what, bool detailed)
{
	const char *detail = detailed ? kucomms_last_error() : "";
	// libkucomms's detail already says what failed and where.
	std::string message = detail && *detail ? detail : what + ": " + kucomms_strerror(err);
	Napi::Error e = Napi::Error::New(env, message);

	e.Set("code", Napi::String::New(env, ErrnoName(err)));
	e.Set("errno", Napi::Number::New(env, err < 0 ? -err : err));
	return e;
}

} // namespace kucomms_addon
