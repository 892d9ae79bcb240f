# SPDX-License-Identifier: MIT
# Test guests: filled in by the guest build rules.
GUEST_BINS :=
guests: $(GUEST_BINS)
