/* Unit tests for common/ova-manifest.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/nettle-meta.h>

#include "errors.h"
#include "unit.h"
#include "ova-manifest.h"

#define SHA1_ABC "a9993e364706816aba3e25717850c26c9cd0d89d"
#define SHA256_ABC                                                            \
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void
must_fail (const char *text, const char *want)
{
  ova_manifest m = empty_vector;

  assert (ova_manifest_parse (text, strlen (text), "x.mf", &m) == -1);
  assert (m.len == 0);
  expect_error (want);
  ova_manifest_free (&m);
}

static void
test_spellings (void)
{
  const char *text
      = "\xef\xbb\xbfSHA1(x.ovf)= " SHA1_ABC "\n"
        "SHA256 (disk 1 (copy).vmdk) = " SHA256_ABC "\r\n"
        "\n   \t\n"
        "sha1(./sub/y.vmdk)=A9993E364706816ABA3E25717850C26C9CD0D89D\n"
        "SHA512(z)= "
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
  ova_manifest m = empty_vector;

  assert (ova_manifest_parse (text, strlen (text), "x.mf", &m) == 0);
  assert (m.len == 4);
  assert (strcmp (m.ptr[0].file, "x.ovf") == 0);
  assert (strcmp (m.ptr[0].alg, "SHA1") == 0);
  assert (m.ptr[0].hash == &nettle_sha1);
  assert (strcmp (m.ptr[0].hex, SHA1_ABC) == 0);
  assert (m.ptr[0].lineno == 1);
  assert (strcmp (m.ptr[1].file, "disk 1 (copy).vmdk") == 0);
  assert (m.ptr[1].hash == &nettle_sha256);
  assert (strcmp (m.ptr[1].hex, SHA256_ABC) == 0);
  assert (strcmp (m.ptr[2].file, "./sub/y.vmdk") == 0);
  assert (strcmp (m.ptr[2].hex, SHA1_ABC) == 0); /* lowercased */
  assert (m.ptr[2].lineno == 5);
  assert (m.ptr[3].hash == &nettle_sha512);
  assert (strlen (m.ptr[3].hex) == 128);
  ova_manifest_free (&m);
  assert (m.len == 0 && m.ptr == NULL);

  /* Empty and blank manifests list nothing. */
  assert (ova_manifest_parse ("", 0, "x.mf", &m) == 0 && m.len == 0);
  assert (ova_manifest_parse ("\n \n", 3, "x.mf", &m) == 0 && m.len == 0);
}

static void
test_errors (void)
{
  char nul[] = "SHA1(a)= " SHA1_ABC "\n\0";
  ova_manifest m = empty_vector;

  must_fail ("MD5(a)= d41d8cd98f00b204e9800998ecf8427e\n",
             "'x.mf' line 1: unknown checksum algorithm 'MD5'");
  must_fail ("SHA1(a)= " SHA1_ABC "\nSHA256(b)= " SHA1_ABC "\n",
             "'x.mf' line 2: a SHA256 checksum is 64 hex digits");
  must_fail ("SHA1(a)= " SHA1_ABC "0\n", "a SHA1 checksum is 40 hex");
  must_fail ("SHA1(a)= xyz\n", "a SHA1 checksum is 40 hex");
  must_fail ("SHA1(a)=\n", "a SHA1 checksum is 40 hex");
  must_fail ("SHA1 a = " SHA1_ABC "\n", "'x.mf' line 1: not a checksum line");
  must_fail ("SHA1() = " SHA1_ABC "\n", "line 1: not a checksum line");
  must_fail ("SHA1(a = " SHA1_ABC "\n", "line 1: not a checksum line");
  must_fail ("(a)= " SHA1_ABC "\n", "line 1: not a checksum line");
  must_fail ("just some text\n", "line 1: not a checksum line");
  assert (ova_manifest_parse (nul, sizeof nul - 1, "x.mf", &m) == -1);
  expect_error ("'x.mf' is not a manifest (it holds a NUL byte)");

  /* A failure keeps what the vector held. */
  assert (ova_manifest_parse ("SHA1(a)= " SHA1_ABC, 49, "x.mf", &m) == 0);
  assert (ova_manifest_parse ("SHA1(b)= " SHA1_ABC "\nbad\n", 54, "x.mf", &m)
          == -1);
  assert (m.len == 1 && strcmp (m.ptr[0].file, "a") == 0);
  ova_manifest_free (&m);
}

static void
test_bound (void)
{
  size_t line = strlen ("SHA1(f)= " SHA1_ABC "\n");
  size_t n = OVA_MANIFEST_MAX_ENTRIES + 1;
  char *text = malloc (n * line + 1);
  ova_manifest m = empty_vector;

  assert (text != NULL);
  for (size_t i = 0; i < n; ++i)
    memcpy (text + i * line, "SHA1(f)= " SHA1_ABC "\n", line);
  assert (ova_manifest_parse (text, (n - 1) * line, "x.mf", &m) == 0);
  assert (m.len == OVA_MANIFEST_MAX_ENTRIES);
  ova_manifest_free (&m);
  assert (ova_manifest_parse (text, n * line, "x.mf", &m) == -1);
  expect_error ("'x.mf': more than 4096 lines");
  free (text);
}

static void
test_hex (void)
{
  const unsigned char d[] = { 0x00, 0x0f, 0xa5, 0xff };
  char out[9];

  ova_hex (d, sizeof d, out);
  assert (strcmp (out, "000fa5ff") == 0);
}

int
main (void)
{
  test_spellings ();
  test_errors ();
  test_bound ();
  test_hex ();
  clear_error ();
  printf ("test-ova-manifest: ok\n");
  return 0;
}
