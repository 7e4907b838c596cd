// SPDX-License-Identifier: MIT
//
// JavaScript errors from negative errno values: an Error whose `code` is
// the errno name ('ENOENT', 'EMSGSIZE', ...), `errno` the positive number,
// and whose message says what failed and where (libkucomms's
// kucomms_last_error() when it has one).
#ifndef KUCOMMS_ADDON_ERRORS_H
#define KUCOMMS_ADDON_ERRORS_H

#include <string>

#include <napi.h>

namespace kucomms_addon {

// "ENOENT" for -ENOENT; "E<number>" for one without a name.
std::string ErrnoName(int err);

// An Error for @err (negative errno) with @what as context, e.g.
// "send to shm:demo: No buffer space available". With @detailed, the
// message is kucomms_last_error() instead (it names what and where): only
// right just after a libkucomms call that failed in this thread and sets it.
Napi::Error ErrnoError(Napi::Env env, int err, const std::string &what, bool detailed = false);

} // namespace kucomms_addon

#endif // KUCOMMS_ADDON_ERRORS_H
