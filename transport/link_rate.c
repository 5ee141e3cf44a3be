/* The link's rate as the kernel's TCP measures it (tcpi_delivery_rate,
 * Linux 4.9 and later; a transport without a TCP socket says it itself):
 * what bulk compression weighs its codec against.
 * A file of its own because <linux/tcp.h>, which has the field, does not
 * mix with the <netinet/tcp.h> the rest of the transport uses. */
#include "internal.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

int cf_conn_link_rate(const struct cf_conn *c, uint64_t *bytes_per_s, int *lower_bound)
{
  struct tcp_info ti;
  socklen_t len = sizeof ti;

  if (c && c->ops->link_rate)
    return c->ops->link_rate(c, bytes_per_s, lower_bound);
  if (!c || c->fd < 0 || getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
      len < offsetof(struct tcp_info, tcpi_delivery_rate) + sizeof ti.tcpi_delivery_rate ||
      ti.tcpi_delivery_rate == 0)
    return -1;
  *bytes_per_s = ti.tcpi_delivery_rate;
  *lower_bound = ti.tcpi_delivery_rate_app_limited;
  return 0;
}
