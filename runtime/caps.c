/* Docker's default capabilities for a non-privileged container, applied with libcap the way Docker
 * (moby oci.SetCapabilities + runc) does: bounding = the default set for everyone; for uid 0,
 * effective = permitted = the set; for other users effective and permitted empty (what execve gives
 * a non-root user); inheritable and ambient always empty. */
#include "runtime/internal.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static const cap_value_t docker_caps[] = {
	CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,     CAP_FOWNER,           CAP_MKNOD,       CAP_NET_RAW, CAP_SETGID,
	CAP_SETUID, CAP_SETFCAP,      CAP_SETPCAP,    CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,  CAP_KILL,    CAP_AUDIT_WRITE,
};
#define N_DOCKER_CAPS (sizeof(docker_caps) / sizeof(docker_caps[0]))

static bool is_default(cap_value_t c)
{
	for (size_t i = 0; i < N_DOCKER_CAPS; i++)
		if (docker_caps[i] == c)
			return true;
	return false;
}

int rt_caps_drop_bounding(void)
{
	/* cap_max_bits() is what the running kernel knows, which may exceed libcap's CAP_LAST_CAP. */
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		if (is_default(c))
			continue;
		if (cap_drop_bound(c) < 0 && errno != EINVAL)
			return -1;
	}
	return 0;
}

int rt_caps_apply(uid_t uid)
{
	cap_t caps = cap_init(); /* all clear */
	if (!caps)
		return -1;
	if (uid == 0 && (cap_set_flag(caps, CAP_EFFECTIVE, N_DOCKER_CAPS, docker_caps, CAP_SET) < 0 ||
			 cap_set_flag(caps, CAP_PERMITTED, N_DOCKER_CAPS, docker_caps, CAP_SET) < 0)) {
		cap_free(caps);
		return -1;
	}
	int r = cap_set_proc(caps);
	cap_free(caps);
	if (r < 0)
		return -1;
	/* Ambient: empty (and there is nothing to raise without inheritable anyway). */
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)
		return -1;
	return 0;
}
