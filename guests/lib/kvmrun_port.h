/*
 * kvmrun_port.h - the port kvmrun (guests/linux/kvmrun.c) serves for its
 * guest's benchmarks: a 32-bit IN reads the exits into KVM of the guest's
 * vCPU so far (the low half of KVM's "exits" statistic, which the IN's own
 * exit is already part of): under Linux KVM as L1, the peer of the
 * hypervisor's HC_EXIT_COUNT. All ones where KVM gives no statistics, and
 * elsewhere (an unclaimed port).
 */
#ifndef GUESTS_LIB_KVMRUN_PORT_H
#define GUESTS_LIB_KVMRUN_PORT_H

#define KVMRUN_PORT_EXIT_COUNT 0xe8
#define KVMRUN_NO_COUNT 0xffffffffu

#endif
