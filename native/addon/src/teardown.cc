// SPDX-License-Identifier: MIT
#include "teardown.h"

namespace kucomms_addon {

void StoppedAtTeardown::WatchTeardown(napi_env env)
{
	if (napi_add_env_cleanup_hook(env, OnTeardown, this) == napi_ok)
		env_ = env;
}

void StoppedAtTeardown::UnwatchTeardown()
{
	if (env_)
		napi_remove_env_cleanup_hook(env_, OnTeardown, this);
	env_ = nullptr;
}

void StoppedAtTeardown::OnTeardown(void *self)
{
	StoppedAtTeardown *s = static_cast<StoppedAtTeardown *>(self);

	s->env_ = nullptr; // the hook is being run: nothing to remove
	s->Shutdown();
}

} // namespace kucomms_addon
