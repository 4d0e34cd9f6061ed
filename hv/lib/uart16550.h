/*
 * uart16550.h - polled output on a PC 16550 UART (COM1 by default), the
 * serial log of the hypervisor and of every test guest.
 */
#ifndef HV_LIB_UART16550_H
#define HV_LIB_UART16550_H

#include <stddef.h>
#include <stdint.h>

#define COM1_PORT 0x3f8

void uart_init(uint16_t port);
void uart_write(uint16_t port, const char *s, size_t len);
/* Waits (bounded) until every written byte has left the transmitter. */
void uart_flush(uint16_t port);

#endif
