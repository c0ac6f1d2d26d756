/*===- Model.c - the runtime side of a compiled model --------------------===//
 *
 * NAME_create maps a safetensors file and checks it against the weight table
 * tfmc generated for the model: every tensor the model reads is present with
 * the shape and a dtype it expects, and the file holds no other tensor. F32
 * data is used in place; F16 and BF16 are converted to f32, tensors stored
 * transposed (GPT-2's Conv1D weights) are transposed, and the per-layer
 * tensors of a layer loop are stacked, into owned buffers. NAME_forward checks its arguments here before running the model.
 *
 * Like ThreadPool.c, this file is compiled to LLVM bitcode when tfmc is built
 * and linked, internalized, into every compiled model. Errors are written to
 * the caller's buffer (tfm_last_error's) and reported by a non-zero return.
 *
 *===---------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L /* mmap, O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* One weight the model reads, as tfmc's weight table describes it. */
typedef struct {
  const char *name;
  int64_t rank;
  const int64_t *shape; /* of each tensor, as the file stores it */
  int64_t transposed;   /* 2-D, stored [in, out]; the model reads [out, in] */
  int64_t stack;        /* > 0: that many tensors, `*` in the name standing
                           for 0, 1, ..., stacked along a new leading dim */
} tfm_rt_weight_spec;

/* What NAME_create and NAME_forward need to know about the model. */
typedef struct {
  const char *name;
  const tfm_rt_weight_spec *weights;
  int64_t weight_count;
  int64_t vocab_size;    /* token ids lie in [0, vocab_size) */
  int64_t output_size;   /* the last dim of the output */
  int64_t max_positions; /* the longest sequence, 0 when unbounded */
  int64_t random_seed;   /* >= 0: a NULL path means seeded random weights */
  float *const *embedded; /* set: a NULL path means these weights, in the
                             layout the model reads (--embed-weights) */
} tfm_rt_model_desc;

typedef struct tfm_rt_model {
  void *map;
  size_t map_size;
  int64_t count;
  float **data;   /* per weight, f32 in the layout the model reads */
  char *owned;    /* per weight, whether data was allocated here */
  void **device;  /* per weight, its copy in GPU memory (CUDA models; the
                     generated create and destroy manage them) */
} tfm_rt_model;

typedef struct {
  char *buffer;
  size_t size;
} tfm_rt_error;

#define TFM_RT_MAX_RANK 16
#define TFM_RT_MAX_DEPTH 64

enum { DTYPE_F32, DTYPE_F16, DTYPE_BF16 };

typedef struct {
  char *name;
  int dtype;
  int64_t rank;
  int64_t shape[TFM_RT_MAX_RANK];
  uint64_t begin, end;
} tensor_entry;

/* Formats a message into the error buffer; returns 1 for `return fail(...)`. */
static int fail(tfm_rt_error *error, const char *format, ...) {
  va_list args;
  va_start(args, format);
  size_t used = strlen(error->buffer);
  if (used < error->size)
    vsnprintf(error->buffer + used, error->size - used, format, args);
  va_end(args);
  return 1;
}

static void format_shape(char *out, size_t size, int64_t rank,
                         const int64_t *shape) {
  size_t used = (size_t)snprintf(out, size, "[");
  for (int64_t i = 0; i < rank && used < size; ++i)
    used += (size_t)snprintf(out + used, size - used, "%s%lld", i ? ", " : "",
                             (long long)shape[i]);
  if (used < size)
    snprintf(out + used, size - used, "]");
}

/*===----------------------------------------------------------------------===
 * The safetensors header: a JSON object, parsed without allocation beyond the
 * decoded names. Every syntax error names the byte offset.
 *===----------------------------------------------------------------------===*/

typedef struct {
  const char *begin, *at, *end;
  tfm_rt_error *error;
} json_parser;

static int json_fail(json_parser *p, const char *what) {
  return fail(p->error, "header is not valid JSON: %s at byte %lld", what,
              (long long)(p->at - p->begin));
}

static void skip_space(json_parser *p) {
  while (p->at < p->end &&
         (*p->at == ' ' || *p->at == '\t' || *p->at == '\n' || *p->at == '\r'))
    ++p->at;
}

static int expect(json_parser *p, char c) {
  skip_space(p);
  if (p->at >= p->end || *p->at != c) {
    char what[32];
    snprintf(what, sizeof what, "expected '%c'", c);
    return json_fail(p, what);
  }
  ++p->at;
  return 0;
}

static int peek(json_parser *p, char c) {
  skip_space(p);
  return p->at < p->end && *p->at == c;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int read_hex4(json_parser *p, unsigned *value) {
  if (p->end - p->at < 4)
    return json_fail(p, "truncated \\u escape");
  *value = 0;
  for (int i = 0; i < 4; ++i) {
    int digit = hex_value(p->at[i]);
    if (digit < 0)
      return json_fail(p, "bad \\u escape");
    *value = *value * 16 + (unsigned)digit;
  }
  p->at += 4;
  return 0;
}

/* Appends the UTF-8 encoding of `code` to out (room for 4 bytes). */
static size_t put_utf8(char *out, unsigned code) {
  if (code < 0x80) {
    out[0] = (char)code;
    return 1;
  }
  if (code < 0x800) {
    out[0] = (char)(0xC0 | (code >> 6));
    out[1] = (char)(0x80 | (code & 0x3F));
    return 2;
  }
  if (code < 0x10000) {
    out[0] = (char)(0xE0 | (code >> 12));
    out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[2] = (char)(0x80 | (code & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (code >> 18));
  out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((code >> 6) & 0x3F));
  out[3] = (char)(0x80 | (code & 0x3F));
  return 4;
}

/* Parses a string; when `out` is set, stores its decoded, NUL-terminated
 * copy (to be freed). */
static int parse_string(json_parser *p, char **out) {
  if (expect(p, '"'))
    return 1;
  const char *start = p->at;
  /* Decoding never grows the text: escapes are longer than their UTF-8. */
  char *text = NULL;
  size_t length = 0;
  if (out) {
    const char *scan = start;
    while (scan < p->end && *scan != '"')
      scan += (*scan == '\\' && scan + 1 < p->end) ? 2 : 1;
    text = malloc((size_t)(scan - start) + 1);
    if (!text)
      return fail(p->error, "out of memory reading the header");
  }
  for (;;) {
    if (p->at >= p->end) {
      free(text);
      return json_fail(p, "unterminated string");
    }
    char c = *p->at++;
    if (c == '"')
      break;
    if ((unsigned char)c < 0x20) {
      free(text);
      return json_fail(p, "control character in a string");
    }
    if (c != '\\') {
      if (text)
        text[length++] = c;
      continue;
    }
    if (p->at >= p->end) {
      free(text);
      return json_fail(p, "unterminated string");
    }
    char escape = *p->at++;
    unsigned code = 0;
    switch (escape) {
    case '"': case '\\': case '/': code = (unsigned char)escape; break;
    case 'b': code = '\b'; break;
    case 'f': code = '\f'; break;
    case 'n': code = '\n'; break;
    case 'r': code = '\r'; break;
    case 't': code = '\t'; break;
    case 'u':
      if (read_hex4(p, &code)) {
        free(text);
        return 1;
      }
      if (code >= 0xD800 && code < 0xDC00 && p->end - p->at >= 6 &&
          p->at[0] == '\\' && p->at[1] == 'u') {
        unsigned low;
        p->at += 2;
        if (read_hex4(p, &low)) {
          free(text);
          return 1;
        }
        if (low >= 0xDC00 && low < 0xE000)
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      }
      break;
    default:
      free(text);
      return json_fail(p, "bad escape in a string");
    }
    if (text)
      length += put_utf8(text + length, code);
  }
  if (out) {
    text[length] = '\0';
    *out = text;
  }
  return 0;
}

/* Parses a non-negative integer that fits in int64. */
static int parse_count(json_parser *p, uint64_t *value) {
  skip_space(p);
  if (p->at >= p->end || *p->at < '0' || *p->at > '9')
    return 2; /* not a count: the caller reports what it expected */
  uint64_t v = 0;
  while (p->at < p->end && *p->at >= '0' && *p->at <= '9') {
    unsigned digit = (unsigned)(*p->at++ - '0');
    if (v > ((uint64_t)INT64_MAX - digit) / 10)
      return 2;
    v = v * 10 + digit;
  }
  if (p->at < p->end && (*p->at == '.' || *p->at == 'e' || *p->at == 'E'))
    return 2;
  *value = v;
  return 0;
}

static int skip_value(json_parser *p, int depth);

static int skip_number(json_parser *p) {
  const char *start = p->at;
  if (p->at < p->end && *p->at == '-')
    ++p->at;
  while (p->at < p->end &&
         ((*p->at >= '0' && *p->at <= '9') || *p->at == '.' || *p->at == 'e' ||
          *p->at == 'E' || *p->at == '+' || *p->at == '-'))
    ++p->at;
  return p->at == start ? json_fail(p, "expected a value") : 0;
}

static int skip_literal(json_parser *p, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(p->end - p->at) < n || memcmp(p->at, word, n) != 0)
    return json_fail(p, "expected a value");
  p->at += n;
  return 0;
}

/* Skips an array (close = ']') or object (close = '}') after its opener. */
static int skip_container(json_parser *p, char close, int depth) {
  if (peek(p, close)) {
    ++p->at;
    return 0;
  }
  for (;;) {
    if (close == '}' && (parse_string(p, NULL) || expect(p, ':')))
      return 1;
    if (skip_value(p, depth + 1))
      return 1;
    if (peek(p, ',')) {
      ++p->at;
      continue;
    }
    return expect(p, close);
  }
}

static int skip_value(json_parser *p, int depth) {
  if (depth > TFM_RT_MAX_DEPTH)
    return json_fail(p, "nesting too deep");
  skip_space(p);
  if (p->at >= p->end)
    return json_fail(p, "unexpected end");
  switch (*p->at) {
  case '"':
    return parse_string(p, NULL);
  case '{':
    ++p->at;
    return skip_container(p, '}', depth);
  case '[':
    ++p->at;
    return skip_container(p, ']', depth);
  case 't':
    return skip_literal(p, "true");
  case 'f':
    return skip_literal(p, "false");
  case 'n':
    return skip_literal(p, "null");
  default:
    return skip_number(p);
  }
}

/* Parses an array of counts into values (at most `capacity`). */
static int parse_counts(json_parser *p, const char *tensor, const char *field,
                        uint64_t *values, int64_t capacity, int64_t *count) {
  *count = 0;
  if (expect(p, '['))
    return 1;
  if (peek(p, ']')) {
    ++p->at;
    return 0;
  }
  for (;;) {
    if (*count == capacity)
      return fail(p->error, "tensor '%s': '%s' has more than %lld entries",
                  tensor, field, (long long)capacity);
    int status = parse_count(p, &values[*count]);
    if (status == 2)
      return fail(p->error,
                  "tensor '%s': '%s' must hold non-negative integers", tensor,
                  field);
    ++*count;
    if (peek(p, ',')) {
      ++p->at;
      continue;
    }
    return expect(p, ']');
  }
}

static unsigned dtype_bytes(int dtype) { return dtype == DTYPE_F32 ? 4 : 2; }

/* Parses one member of an object, after its key and ':'; takes ownership of
 * `key` (frees or keeps it). Non-zero on an error. */
typedef int (*member_parser)(json_parser *p, char *key, void *state);

/* Parses an object, handing each member to parse_member. */
static int parse_object(json_parser *p, member_parser parse_member,
                        void *state) {
  if (expect(p, '{'))
    return 1;
  if (peek(p, '}')) {
    ++p->at;
    return 0;
  }
  for (;;) {
    char *key = NULL;
    if (parse_string(p, &key) || expect(p, ':')) {
      free(key);
      return 1;
    }
    if (parse_member(p, key, state))
      return 1;
    if (peek(p, ',')) {
      ++p->at;
      continue;
    }
    return expect(p, '}');
  }
}

typedef struct {
  tensor_entry *t;
  int have_dtype, have_shape, have_offsets;
} tensor_fields;

/* Parses the "dtype", "shape" or "data_offsets" member of a tensor. */
static int parse_tensor_field(json_parser *p, char *field, void *state) {
  tensor_fields *fields = state;
  tensor_entry *t = fields->t;
  int status = 0;
  if (strcmp(field, "dtype") == 0) {
    char *dtype = NULL;
    skip_space(p);
    if (p->at >= p->end || *p->at != '"')
      status = fail(p->error, "tensor '%s': 'dtype' is not a string", t->name);
    else if (!(status = parse_string(p, &dtype))) {
      if (strcmp(dtype, "F32") == 0)
        t->dtype = DTYPE_F32;
      else if (strcmp(dtype, "F16") == 0)
        t->dtype = DTYPE_F16;
      else if (strcmp(dtype, "BF16") == 0)
        t->dtype = DTYPE_BF16;
      else
        status = fail(p->error,
                      "tensor '%s': dtype '%s' is not supported; "
                      "expected F32, F16 or BF16",
                      t->name, dtype);
      fields->have_dtype = 1;
    }
    free(dtype);
  } else if (strcmp(field, "shape") == 0) {
    uint64_t dims[TFM_RT_MAX_RANK];
    status =
        parse_counts(p, t->name, "shape", dims, TFM_RT_MAX_RANK, &t->rank);
    for (int64_t i = 0; !status && i < t->rank; ++i)
      t->shape[i] = (int64_t)dims[i];
    fields->have_shape = 1;
  } else if (strcmp(field, "data_offsets") == 0) {
    uint64_t offsets[2];
    int64_t count = 0;
    status = parse_counts(p, t->name, "data_offsets", offsets, 2, &count);
    if (!status && count != 2)
      status = fail(p->error,
                    "tensor '%s': 'data_offsets' must be two integers",
                    t->name);
    if (!status) {
      t->begin = offsets[0];
      t->end = offsets[1];
    }
    fields->have_offsets = 1;
  } else {
    status = skip_value(p, 2);
  }
  free(field);
  return status;
}

/* Parses one tensor's {"dtype", "shape", "data_offsets"} object. */
static int parse_tensor(json_parser *p, tensor_entry *t) {
  tensor_fields fields = {t, 0, 0, 0};
  if (parse_object(p, parse_tensor_field, &fields))
    return 1;
  if (!fields.have_dtype || !fields.have_shape || !fields.have_offsets)
    return fail(p->error, "tensor '%s': '%s' is missing", t->name,
                !fields.have_dtype   ? "dtype"
                : !fields.have_shape ? "shape"
                                     : "data_offsets");
  return 0;
}

typedef struct {
  tensor_entry *entries;
  int64_t count;
} tensor_table;

static void free_table(tensor_table *table) {
  for (int64_t i = 0; i < table->count; ++i)
    free(table->entries[i].name);
  free(table->entries);
}

typedef struct {
  tensor_table *table;
  int64_t capacity;
} table_builder;

/* Parses a header member: a tensor, added to the table, or the skipped
 * "__metadata__". */
static int parse_header_member(json_parser *p, char *name, void *state) {
  table_builder *builder = state;
  tensor_table *table = builder->table;
  if (strcmp(name, "__metadata__") == 0) {
    free(name);
    return skip_value(p, 1);
  }
  if (table->count == builder->capacity) {
    builder->capacity = builder->capacity ? 2 * builder->capacity : 64;
    tensor_entry *grown =
        realloc(table->entries, (size_t)builder->capacity * sizeof *grown);
    if (!grown) {
      free(name);
      return fail(p->error, "out of memory reading the header");
    }
    table->entries = grown;
  }
  tensor_entry *t = &table->entries[table->count++];
  memset(t, 0, sizeof *t);
  t->name = name;
  return parse_tensor(p, t);
}

static int parse_header(json_parser *p, tensor_table *table) {
  table_builder builder = {table, 0};
  if (parse_object(p, parse_header_member, &builder))
    return 1;
  skip_space(p);
  if (p->at != p->end)
    return json_fail(p, "trailing characters after the object");
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const tensor_entry *)a)->name,
                ((const tensor_entry *)b)->name);
}

static int by_offset(const void *a, const void *b) {
  const tensor_entry *x = *(tensor_entry *const *)a;
  const tensor_entry *y = *(tensor_entry *const *)b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* Sizes and offsets: each tensor's bytes match its shape, lie in the data
 * section, and overlap no other tensor's. */
static int check_layout(tensor_table *table, uint64_t data_size,
                        tfm_rt_error *error) {
  for (int64_t i = 0; i < table->count; ++i) {
    tensor_entry *t = &table->entries[i];
    if (t->begin > t->end || t->end > data_size)
      return fail(error,
                  "tensor '%s': data_offsets [%llu, %llu] lie outside the "
                  "data section, which is %llu bytes",
                  t->name, (unsigned long long)t->begin,
                  (unsigned long long)t->end, (unsigned long long)data_size);
    uint64_t bytes = dtype_bytes(t->dtype);
    int overflow = 0;
    for (int64_t d = 0; d < t->rank; ++d)
      overflow |= __builtin_mul_overflow(bytes, (uint64_t)t->shape[d], &bytes);
    if (overflow || bytes != t->end - t->begin) {
      char shape[256];
      format_shape(shape, sizeof shape, t->rank, t->shape);
      return fail(error,
                  "tensor '%s': shape %s takes %llu bytes, but data_offsets "
                  "[%llu, %llu] span %llu",
                  t->name, shape, overflow ? 0ull : (unsigned long long)bytes,
                  (unsigned long long)t->begin, (unsigned long long)t->end,
                  (unsigned long long)(t->end - t->begin));
    }
  }
  if (table->count < 2)
    return 0;
  tensor_entry **order = malloc((size_t)table->count * sizeof *order);
  if (!order)
    return fail(error, "out of memory");
  for (int64_t i = 0; i < table->count; ++i)
    order[i] = &table->entries[i];
  qsort(order, (size_t)table->count, sizeof *order, by_offset);
  int status = 0;
  for (int64_t i = 1; i < table->count && !status; ++i)
    if (order[i]->begin < order[i - 1]->end)
      status = fail(error,
                    "tensors '%s' (bytes [%llu, %llu)) and '%s' (bytes "
                    "[%llu, %llu)) overlap",
                    order[i - 1]->name, (unsigned long long)order[i - 1]->begin,
                    (unsigned long long)order[i - 1]->end, order[i]->name,
                    (unsigned long long)order[i]->begin,
                    (unsigned long long)order[i]->end);
  free(order);
  return status;
}

/*===----------------------------------------------------------------------===
 * Weights
 *===----------------------------------------------------------------------===*/

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13); /* inf, nan */
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else {
    /* Zero or subnormal: mantissa * 2^-24, exact in f32. */
    float value = ldexpf((float)mantissa, -24);
    memcpy(&bits, &value, sizeof bits);
    bits |= sign;
  }
  float result;
  memcpy(&result, &bits, sizeof result);
  return result;
}

static float bfloat_to_float(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float result;
  memcpy(&result, &bits, sizeof result);
  return result;
}

static int64_t element_count(const tfm_rt_weight_spec *spec) {
  int64_t count = 1;
  for (int64_t d = 0; d < spec->rank; ++d)
    count *= spec->shape[d];
  return count;
}

/* Element i (row-major in the file) as f32. */
static float read_element(const unsigned char *src, int dtype, int64_t i) {
  if (dtype == DTYPE_F32) {
    float value;
    memcpy(&value, src + 4 * i, sizeof value);
    return value;
  }
  uint16_t half;
  memcpy(&half, src + 2 * i, sizeof half);
  return dtype == DTYPE_F16 ? half_to_float(half) : bfloat_to_float(half);
}

static int64_t slice_count(const tfm_rt_weight_spec *spec) {
  return spec->stack > 0 ? spec->stack : 1;
}

/* The name of tensor `slice` of `spec`. */
static void tensor_name(const tfm_rt_weight_spec *spec, int64_t slice,
                        char *out, size_t size) {
  const char *star = spec->stack > 0 ? strchr(spec->name, '*') : NULL;
  if (star)
    snprintf(out, size, "%.*s%lld%s", (int)(star - spec->name), spec->name,
             (long long)slice, star + 1);
  else
    snprintf(out, size, "%s", spec->name);
}

/* Buffers owned by the model, for `count` floats. */
static float *allocate(tfm_rt_model *model, int64_t index, int64_t count) {
  float *buffer = malloc((size_t)(count ? count : 1) * sizeof(float));
  if (buffer) {
    model->data[index] = buffer;
    model->owned[index] = 1;
  }
  return buffer;
}

/* Tensor `slice` of weight `index` in the layout and type the model reads:
 * in place when it already is, else converted into an owned buffer. */
static int load_weight(tfm_rt_model *model, int64_t index, int64_t slice,
                       const tfm_rt_weight_spec *spec, const tensor_entry *t,
                       const unsigned char *data, tfm_rt_error *error) {
  const unsigned char *src = data + t->begin;
  if (t->dtype == DTYPE_F32 && !spec->transposed && spec->stack == 0 &&
      ((uintptr_t)src % sizeof(float)) == 0) {
    model->data[index] = (float *)src;
    return 0;
  }
  int64_t count = element_count(spec);
  if (!model->data[index] &&
      !allocate(model, index, count * slice_count(spec)))
    return fail(error, "out of memory converting '%s'", spec->name);
  float *dst = model->data[index] + slice * count;
  if (spec->transposed) {
    /* File [rows, cols] -> model [cols, rows]. */
    int64_t rows = spec->shape[0], cols = spec->shape[1];
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        dst[c * rows + r] = read_element(src, t->dtype, r * cols + c);
  } else {
    for (int64_t i = 0; i < count; ++i)
      dst[i] = read_element(src, t->dtype, i);
  }
  return 0;
}

/* Matches the file's tensors against the table: first every expected weight
 * (missing, misshapen), then tensors the model does not read. */
static int match_weights(const tfm_rt_model_desc *desc, tensor_table *table,
                         tfm_rt_model *model, const unsigned char *data,
                         tfm_rt_error *error) {
  char *used = calloc((size_t)(table->count ? table->count : 1), 1);
  if (!used)
    return fail(error, "out of memory");
  qsort(table->entries, (size_t)table->count, sizeof *table->entries, by_name);
  int status = 0;
  for (int64_t i = 0; i < desc->weight_count && !status; ++i) {
    const tfm_rt_weight_spec *spec = &desc->weights[i];
    char expected[256];
    format_shape(expected, sizeof expected, spec->rank, spec->shape);
    for (int64_t slice = 0; slice < slice_count(spec) && !status; ++slice) {
      char name[1024];
      tensor_name(spec, slice, name, sizeof name);
      tensor_entry key;
      key.name = name;
      tensor_entry *t =
          table->count ? bsearch(&key, table->entries, (size_t)table->count,
                                 sizeof *table->entries, by_name)
                       : NULL;
      if (!t) {
        status = fail(error,
                      "missing tensor '%s' (the model expects shape %s)",
                      name, expected);
        break;
      }
      used[t - table->entries] = 1;
      int same = t->rank == spec->rank;
      for (int64_t d = 0; same && d < t->rank; ++d)
        same = t->shape[d] == spec->shape[d];
      if (!same) {
        char found[256];
        format_shape(found, sizeof found, t->rank, t->shape);
        status = fail(error, "tensor '%s' has shape %s, the model expects %s",
                      name, found, expected);
        break;
      }
      status = load_weight(model, i, slice, spec, t, data, error);
    }
  }
  for (int64_t i = 0; i < table->count && !status; ++i)
    if (!used[i])
      status = fail(error,
                    "unexpected tensor '%s': the model has no weight of that "
                    "name",
                    table->entries[i].name);
  free(used);
  return status;
}

void tfm_rt_model_destroy(tfm_rt_model *model) {
  if (!model)
    return;
  for (int64_t i = 0; i < model->count; ++i)
    if (model->owned[i])
      free(model->data[i]);
  if (model->map)
    munmap(model->map, model->map_size);
  free(model->data);
  free(model->owned);
  free(model->device);
  free(model);
}

static int map_file(const char *path, tfm_rt_model *model,
                    tfm_rt_error *error) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(error, "cannot open: %s", strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0) {
    close(fd);
    return fail(error, "cannot stat: %s", strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return fail(error, "not a regular file");
  }
  model->map_size = (size_t)info.st_size;
  if (model->map_size < 8) {
    close(fd);
    return fail(error,
                "the file is %llu bytes, too short for the 8-byte header "
                "length",
                (unsigned long long)model->map_size);
  }
  void *map = mmap(NULL, model->map_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED)
    return fail(error, "cannot map: %s", strerror(errno));
  model->map = map;
  return 0;
}

static int load_file(const tfm_rt_model_desc *desc, const char *path,
                     tfm_rt_model *model, tfm_rt_error *error) {
  if (map_file(path, model, error))
    return 1;
  const unsigned char *bytes = model->map;
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i)
    header_size = header_size << 8 | bytes[i];
  uint64_t after = model->map_size - 8;
  if (header_size > after)
    return fail(error,
                "header length %llu is larger than the file (%llu bytes "
                "after the length field): truncated or not a safetensors "
                "file",
                (unsigned long long)header_size, (unsigned long long)after);
  const char *header = (const char *)bytes + 8;
  json_parser parser = {header, header, header + header_size, error};
  tensor_table table = {NULL, 0};
  int status = parse_header(&parser, &table);
  if (!status)
    status = check_layout(&table, after - header_size, error);
  if (!status)
    status = match_weights(desc, &table, model, bytes + 8 + header_size, error);
  free_table(&table);
  return status;
}

/* splitmix64: a small, well-mixed generator for seeded random weights. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Weights of matrices uniform in ±1/sqrt(fan-in), vectors (norm scales,
 * biases) in [0.5, 1): activations keep their scale through deep models. */
static int random_weights(const tfm_rt_model_desc *desc, tfm_rt_model *model,
                          tfm_rt_error *error) {
  for (int64_t i = 0; i < desc->weight_count; ++i) {
    const tfm_rt_weight_spec *spec = &desc->weights[i];
    int64_t count = element_count(spec);
    float *dst = allocate(model, i, count * slice_count(spec));
    if (!dst)
      return fail(error, "out of memory for '%s'", spec->name);
    /* The model reads transposed weights as [cols, rows]: fan-in is rows. */
    int64_t fan_in = spec->transposed ? spec->shape[0]
                                      : count / (spec->rank ? spec->shape[0] : 1);
    float bound = 1.0f / sqrtf((float)(fan_in > 0 ? fan_in : 1));
    uint64_t state = (uint64_t)desc->random_seed * 0x100000001B3ull + (uint64_t)i;
    for (int64_t e = 0; e < count * slice_count(spec); ++e) {
      float unit = (float)(next_random(&state) >> 40) / (float)(1 << 24);
      dst[e] = spec->rank >= 2 ? (2.0f * unit - 1.0f) * bound
                               : 0.5f + 0.5f * unit;
    }
  }
  return 0;
}

int tfm_rt_model_create(const tfm_rt_model_desc *desc, const char *path,
                        tfm_rt_model **out, char *buffer, int64_t size) {
  tfm_rt_error error = {buffer, (size_t)size};
  buffer[0] = '\0';
  if (!out)
    return fail(&error, "%s_create: the output pointer is null", desc->name);
  *out = NULL;
  if (!path && desc->random_seed < 0 && !desc->embedded)
    return fail(&error,
                "%s_create: no weights path given, and the model was "
                "compiled without --embed-weights or --random-weights",
                desc->name);
  tfm_rt_model *model = calloc(1, sizeof *model);
  int64_t slots = desc->weight_count ? desc->weight_count : 1;
  if (model) {
    model->count = desc->weight_count;
    model->data = calloc((size_t)slots, sizeof *model->data);
    model->owned = calloc((size_t)slots, 1);
    model->device = calloc((size_t)slots, sizeof *model->device);
  }
  if (!model || !model->data || !model->owned || !model->device) {
    tfm_rt_model_destroy(model);
    return fail(&error, "%s_create: out of memory", desc->name);
  }
  int status = 0;
  if (path) {
    fail(&error, "%s_create: weights '%s': ", desc->name, path);
    status = load_file(desc, path, model, &error);
  } else if (desc->embedded) {
    for (int64_t i = 0; i < desc->weight_count; ++i)
      model->data[i] = desc->embedded[i];
  } else {
    fail(&error, "%s_create: random weights: ", desc->name);
    status = random_weights(desc, model, &error);
  }
  if (status) {
    tfm_rt_model_destroy(model);
    return 1;
  }
  buffer[0] = '\0';
  *out = model;
  return 0;
}

float *const *tfm_rt_model_weights(const tfm_rt_model *model) {
  return model->data;
}

void **tfm_rt_model_device_weights(tfm_rt_model *model) {
  return model->device;
}

int tfm_rt_check_forward(const tfm_rt_model_desc *desc,
                         const tfm_rt_model *model, const int32_t *tokens,
                         int64_t batch, int64_t seq, const float *out,
                         char *buffer, int64_t size) {
  tfm_rt_error error = {buffer, (size_t)size};
  buffer[0] = '\0';
  const char *name = desc->name;
  if (!model)
    return fail(&error, "%s_forward: the model is null", name);
  if (!tokens || !out)
    return fail(&error, "%s_forward: %s is a null pointer", name,
                tokens ? "out" : "tokens");
  if (batch < 1 || seq < 1)
    return fail(&error,
                "%s_forward: batch is %lld and seq %lld, expected positive "
                "sizes",
                name, (long long)batch, (long long)seq);
  if (desc->max_positions > 0 && seq > desc->max_positions)
    return fail(&error,
                "%s_forward: seq is %lld, the model has positions for at "
                "most %lld tokens",
                name, (long long)seq, (long long)desc->max_positions);
  int64_t elements;
  if (__builtin_mul_overflow(batch, seq, &elements) ||
      __builtin_mul_overflow(elements, desc->output_size, &elements) ||
      elements > INT64_MAX / 8)
    return fail(&error, "%s_forward: batch %lld x seq %lld is too large",
                name, (long long)batch, (long long)seq);
  for (int64_t i = 0; i < batch * seq; ++i)
    if (tokens[i] < 0 || tokens[i] >= desc->vocab_size)
      return fail(&error,
                  "%s_forward: tokens[%lld][%lld] is %d, expected a token id "
                  "in [0, %lld)",
                  name, (long long)(i / seq), (long long)(i % seq),
                  (int)tokens[i], (long long)desc->vocab_size);
  return 0;
}
