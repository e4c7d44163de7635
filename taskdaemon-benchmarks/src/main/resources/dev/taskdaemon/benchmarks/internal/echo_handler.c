/*
 * The fastest handler the benchmark can build: answers each request line with its task_data as
 * the result, so that what the benchmark measures is the engine (or the pipe, or docker), not the
 * handler. Compiled by the benchmark with `gcc -O2 -static` at run time; also copied into a
 * FROM-scratch image for the docker rows.
 *
 * Request:  {"task_id":"..","task_type":"..","task_data":<json>,"attempt":<n>}\n
 * Response: {"status":"success","result":<json>}\n
 *
 * The engine writes the four fields in this order and task_id/task_type hold no quotes, so
 * task_data is everything between the first "task_data": and the last ,"attempt": -- no JSON
 * parsing needed. Lines of any length (10 MB and more) are read with getline. Exits on EOF.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char DATA_KEY[] = "\"task_data\":";
static const char ATTEMPT_KEY[] = ",\"attempt\":";
static const char OK_HEAD[] = "{\"status\":\"success\",\"result\":";
static const char BAD[] = "{\"status\":\"error\",\"error\":\"echo handler: not a request line\",\"retryable\":false}\n";

/* The last occurrence of needle in hay[0..len), or NULL. */
static char *last_of(char *hay, size_t len, const char *needle, size_t nlen) {
  if (len < nlen) {
    return NULL;
  }
  for (size_t i = len - nlen + 1; i-- > 0;) {
    if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0) {
      return hay + i;
    }
  }
  return NULL;
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  /* Full buffering with a big buffer: one write(2) per response for small ones. */
  static char outbuf[1 << 16];
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  while ((n = getline(&line, &cap, stdin)) > 0) {
    size_t len = (size_t) n;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
      len--;
    }
    if (len == 0) {
      continue;
    }
    char *data = memmem(line, len, DATA_KEY, sizeof DATA_KEY - 1);
    char *attempt = last_of(line, len, ATTEMPT_KEY, sizeof ATTEMPT_KEY - 1);
    if (data == NULL || attempt == NULL || attempt < data + sizeof DATA_KEY - 1) {
      fputs(BAD, stdout);
    } else {
      data += sizeof DATA_KEY - 1;
      fwrite(OK_HEAD, 1, sizeof OK_HEAD - 1, stdout);
      fwrite(data, 1, (size_t) (attempt - data), stdout);
      fputs("}\n", stdout);
    }
    if (fflush(stdout) != 0) {
      return 1;
    }
  }
  free(line);
  return 0;
}
