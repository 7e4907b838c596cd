// SPDX-License-Identifier: MIT
//
// StoppedAtTeardown: an object with a native thread that must stop before
// its JavaScript environment goes (a worker thread ending, the process
// exiting) even if JavaScript never closed it.
#ifndef KUCOMMS_ADDON_TEARDOWN_H
#define KUCOMMS_ADDON_TEARDOWN_H

#include <napi.h>

namespace kucomms_addon {

class StoppedAtTeardown {
public:
	virtual ~StoppedAtTeardown() = default;

	// Stops the thread and frees what it used; idempotent.
	virtual void Shutdown() = 0;

protected:
	// Call Shutdown() at @env's teardown. Register it after the delivery's
	// thread-safe function, so it runs first: the thread stops before
	// delivery ends.
	void WatchTeardown(napi_env env);
	// From Shutdown(): the hook is no longer needed.
	void UnwatchTeardown();

private:
	static void OnTeardown(void *self);

	napi_env env_ = nullptr; // set while the hook is registered
};

} // namespace kucomms_addon

#endif // KUCOMMS_ADDON_TEARDOWN_H
