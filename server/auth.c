/* Who a client is, decided by its worker after the TLS handshake from what
 * the client proved:
 *   - with a client CA configured (--tls-client-ca), the TLS handshake has
 *     already refused clients without a certificate that CA signed, and the
 *     identity is the certificate's subject CN;
 *   - with a tokens file (--tokens), the token in the hello must match one
 *     of its hashes, and that line's name is the identity; with both, the
 *     token must name the certificate's identity (two factors, so a copied
 *     key alone is not enough);
 *   - with neither, only an --insecure server admits clients, as
 *     "anonymous".
 * A refusal never says which part failed or whether an identity exists. */
#include "internal.h"

#include <string.h>

#include "cf_error.h"
#include "cf_token.h"

int cf__srv_identify(const struct cf_srv_auth *a, const struct cf_conn *conn,
                     const char *token, char *identity, size_t len)
{
  char cn[128] = "";
  const char *named = NULL;
  int have_cert = a->client_certs && cf_conn_peer_identity(conn, cn, sizeof cn) == 0 && *cn;

  if (a->client_certs && !have_cert)
    return CF_EPERM;
  if (a->tokens) {
    named = token && *token ? cf_tokens_match(a->tokens, token) : NULL;
    if (!named || (have_cert && strcmp(named, cn) != 0))
      return CF_EPERM;
  }
  if (have_cert)
    snprintf(identity, len, "%s", cn);
  else if (named)
    snprintf(identity, len, "%s", named);
  else if (a->anonymous)
    snprintf(identity, len, "anonymous");
  else
    return CF_EPERM;
  return 0;
}
