/* Loaded PTX modules: the public API of ptx.h over the parsed form. Owns
 * the module's memory (kernels, decoded code, templates, variables). A
 * module is built by cf__ptx_parse_module and is read-only afterwards,
 * except for cf_ptx_module_bind_var, which the driver layer calls before
 * any launch (not concurrently with launches of the same module). */
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "ptx_internal.h"

void cf__ptx_kernel_clear(struct cf_ptx_kernel *k) {
  free(k->name);
  free(k->code);
  free(k->tmpl);
  free(k->fix);
  free(k->params);
  free(k->sig);
  free(k->calls);
  free(k->cargs);
  free(k->texops);
  free(k->lpatch);
  free(k->dpatch);
  memset(k, 0, sizeof *k);
}

void cf_ptx_module_free(struct cf_ptx_module *m) {
  if (m == NULL)
    return;
  for (uint32_t i = 0; i < m->nkernels; i++)
    cf__ptx_kernel_clear(&m->kernels[i]);
  free(m->kernels);
  for (uint32_t i = 0; i < m->nvars; i++) {
    free((char *)m->vars[i].pub.name);
    free((uint8_t *)m->vars[i].pub.init);
  }
  free(m->vars);
  for (uint32_t i = 0; i < m->nmshared; i++)
    free(m->mshared[i].name);
  free(m->mshared);
  free(m);
}

int cf_ptx_module_load(const char *text, size_t len, struct cf_ptx_module **out,
                       char *err, size_t errlen) {
  struct cf__ptx_diag d = {.rc = 0, .err = err, .errlen = errlen};
  if (out != NULL)
    *out = NULL;
  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (out == NULL || (text == NULL && len > 0))
    return cf__ptx_fail(&d, CF_EINVAL, 0, "bad arguments");
  if (len > CF__PTX_MAX_TEXT)
    return cf__ptx_fail(&d, CF_EPROTO, 0, "PTX text too large");
  struct cf_ptx_module *m = calloc(1, sizeof *m);
  if (m == NULL)
    return cf__ptx_fail(&d, CF_ENOMEM, 0, "out of memory");
  int rc = cf__ptx_parse_module(text ? text : "", len, m, &d);
  if (rc != 0) {
    cf_ptx_module_free(m);
    return rc;
  }
  /* kernels keep a pointer to their module; the array is final now */
  for (uint32_t i = 0; i < m->nkernels; i++)
    m->kernels[i].mod = m;
  *out = m;
  return 0;
}

const struct cf_ptx_kernel *cf_ptx_module_kernel(const struct cf_ptx_module *m,
                                                 const char *name) {
  if (m == NULL || name == NULL)
    return NULL;
  for (uint32_t i = 0; i < m->nkernels; i++)
    if (m->kernels[i].is_entry && strcmp(m->kernels[i].name, name) == 0)
      return &m->kernels[i];
  return NULL;
}

unsigned cf_ptx_module_entry_count(const struct cf_ptx_module *m) {
  unsigned n = 0;

  for (uint32_t i = 0; m != NULL && i < m->nkernels; i++)
    n += m->kernels[i].is_entry != 0;
  return n;
}

const struct cf_ptx_kernel *cf_ptx_module_entry(const struct cf_ptx_module *m,
                                                unsigned index) {
  for (uint32_t i = 0; m != NULL && i < m->nkernels; i++)
    if (m->kernels[i].is_entry && index-- == 0)
      return &m->kernels[i];
  return NULL;
}

const char *cf_ptx_kernel_name(const struct cf_ptx_kernel *k) {
  return k ? k->name : NULL;
}

unsigned cf_ptx_kernel_param_count(const struct cf_ptx_kernel *k) {
  return k ? k->nparams : 0;
}

int cf_ptx_kernel_param(const struct cf_ptx_kernel *k, unsigned index,
                        size_t *offset, size_t *size) {
  if (offset != NULL)
    *offset = 0;
  if (size != NULL)
    *size = 0;
  if (k == NULL || index >= k->nparams)
    return CF_EINVAL;
  if (offset != NULL)
    *offset = (size_t)k->params[index].offset;
  if (size != NULL)
    *size = (size_t)k->params[index].size;
  return 0;
}

size_t cf_ptx_kernel_param_bytes(const struct cf_ptx_kernel *k) {
  return k ? (size_t)k->param_bytes : 0;
}

void cf_ptx_kernel_get_info(const struct cf_ptx_kernel *k,
                            struct cf_ptx_kernel_info *info) {
  memset(info, 0, sizeof *info);
  if (k == NULL)
    return;
  info->static_shared_bytes = k->shared_bytes;
  info->local_bytes = k->local_bytes;
  info->num_regs = k->nregs;
  info->max_threads_per_block = k->maxntid ? k->maxntid
                                           : CF__PTX_MAX_BLOCK_THREADS;
  info->ptx_version = k->mod->ptx_version;
  info->target_sm = k->mod->target_sm;
}

unsigned cf_ptx_module_var_count(const struct cf_ptx_module *m) {
  return m ? m->nvars : 0;
}

const struct cf_ptx_var *cf_ptx_module_var(const struct cf_ptx_module *m,
                                           unsigned index) {
  if (m == NULL || index >= m->nvars)
    return NULL;
  return &m->vars[index].pub;
}

void cf_ptx_module_bind_var(struct cf_ptx_module *m, unsigned index,
                            uint64_t device_address) {
  if (m == NULL || index >= m->nvars)
    return;
  m->vars[index].addr = device_address;
  m->vars[index].bound = 1;
}
