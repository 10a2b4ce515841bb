// darwin-only
// flags: -L{programs}/sdk -lresolv
// libresolv's wire-format helpers under Apple's res_9_ names: dn_comp/dn_expand round
// trip with compression, dn_skipname, ns_put16/ns_get16, b64_ntop/b64_pton, res_mkquery
#include <stdio.h>
#include <string.h>

/* <resolv.h> and <arpa/nameser.h> are missing from the SDK zig ships: Apple's names */
int res_9_dn_comp(const char *, unsigned char *, int, unsigned char **, unsigned char **);
int res_9_dn_expand(const unsigned char *, const unsigned char *, const unsigned char *, char *,
                    int);
int res_9_dn_skipname(const unsigned char *, const unsigned char *);
void res_9_ns_put16(unsigned int, unsigned char *);
unsigned int res_9_ns_get16(const unsigned char *);
int res_9_b64_ntop(const unsigned char *, size_t, char *, size_t);
int res_9_b64_pton(const char *, unsigned char *, size_t);
int res_9_mkquery(int, const char *, int, int, const unsigned char *, int, const unsigned char *,
                  unsigned char *, int);
#define dn_comp res_9_dn_comp
#define dn_expand res_9_dn_expand
#define dn_skipname res_9_dn_skipname
#define ns_put16 res_9_ns_put16
#define ns_get16 res_9_ns_get16
#define b64_ntop res_9_b64_ntop
#define b64_pton res_9_b64_pton
#define res_mkquery res_9_mkquery
enum { ns_o_query = 0, ns_c_in = 1, ns_t_a = 1 };

int main(void) {
    unsigned char msg[512];
    const unsigned char *dnptrs[8] = {msg, NULL};
    const unsigned char **lastdnptr = dnptrs + 8;
    memset(msg, 0, sizeof msg);
    int a = dn_comp("www.example.com", msg + 12, 200, (unsigned char **)dnptrs,
                    (unsigned char **)lastdnptr);
    int b = dn_comp("mail.example.com", msg + 12 + a, 200, (unsigned char **)dnptrs,
                    (unsigned char **)lastdnptr);
    printf("dn_comp: %d then %d (compressed)\n", a, b);
    char name[256];
    int used = dn_expand(msg, msg + 12 + a + b, msg + 12 + a, name, sizeof name);
    printf("dn_expand: %d %s\n", used, name);
    printf("dn_skipname: %d\n", dn_skipname(msg + 12, msg + 12 + a));
    unsigned char two[2];
    ns_put16(0xBEEF, two);
    printf("ns_put16/get16: %02x%02x %#x\n", two[0], two[1], ns_get16(two));
    char b64[64];
    int n = b64_ntop((const unsigned char *)"hello", 5, b64, sizeof b64);
    unsigned char back[16] = {0};
    int m = b64_pton(b64, back, sizeof back);
    printf("b64: %d %s -> %d %s\n", n, b64, m, back);
    unsigned char q[512];
    int ql = res_mkquery(ns_o_query, "example.com", ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof q);
    printf("res_mkquery: %d bytes, qdcount=%d\n", ql, ns_get16(q + 4));
    return 0;
}
