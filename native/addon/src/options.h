// SPDX-License-Identifier: MIT
//
// Reading the arguments and the options object a constructor is given.
#ifndef KUCOMMS_ADDON_OPTIONS_H
#define KUCOMMS_ADDON_OPTIONS_H

#include <cstdint>
#include <string>

#include <napi.h>

namespace kucomms_addon {

// opts[key]: @fallback when absent, else a whole number 0 .. @max, or a
// TypeError/RangeError naming "@owner options.@key".
uint64_t OptionalU64(Napi::Object opts, const char *owner, const char *key, uint64_t fallback,
		     uint64_t max);

// The arguments of new @owner(target, options, onBatch, onDown): the target,
// or a TypeError saying what they must be.
std::string CheckedConstructorArgs(const Napi::CallbackInfo &info, const char *owner);

} // namespace kucomms_addon

#endif // KUCOMMS_ADDON_OPTIONS_H
