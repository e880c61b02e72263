/*
 * QTest for the cxl-vcs-switch object
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"

static const char *machine_args(void)
{
    return strcmp(qtest_get_arch(), "aarch64") == 0 ?
        "-machine virt,cxl=on -cpu max" : "-machine q35,cxl=on";
}

/*
 * Start QEMU with @args, expecting it to refuse them: it must exit with
 * status 1 (not abort) and print @expected on stderr.
 */
static void assert_startup_fails(const char *args, const char *expected)
{
    g_autofree char *cmd = g_strdup_printf("%s -display none -nodefaults "
                                           "-accel qtest %s %s",
                                           qtest_qemu_binary(NULL),
                                           machine_args(), args);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status, &gerr));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, expected));
}

static void test_properties(void)
{
    QTestState *qts;
    QDict *resp;

    qts = qtest_initf("%s -object cxl-vcs-switch,id=vcs0,usp-ppbs=2,"
                      "dsp-ppbs=4,local-fm=true", machine_args());
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': '/objects/vcs0', 'property': 'usp-ppbs'}}");
    g_assert_cmpint(qdict_get_int(resp, "return"), ==, 2);
    qobject_unref(resp);
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': '/objects/vcs0', 'property': 'dsp-ppbs'}}");
    g_assert_cmpint(qdict_get_int(resp, "return"), ==, 4);
    qobject_unref(resp);
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': '/objects/vcs0', 'property': 'local-fm'}}");
    g_assert_true(qdict_get_bool(resp, "return"));
    qobject_unref(resp);
    qtest_quit(qts);
}

/*
 * object-add a cxl-vcs-switch with the given property values (negative:
 * left out) and check the error message.
 */
static void assert_object_add_fails(QTestState *qts, int64_t usp, int64_t dsp,
                                    const char *expected)
{
    QDict *args = qdict_new();
    QDict *resp, *error;

    qdict_put_str(args, "qom-type", "cxl-vcs-switch");
    qdict_put_str(args, "id", "v");
    if (usp >= 0) {
        qdict_put_int(args, "usp-ppbs", usp);
    }
    if (dsp >= 0) {
        qdict_put_int(args, "dsp-ppbs", dsp);
    }
    resp = qtest_qmp(qts, "{'execute': 'object-add', 'arguments': %p}", args);
    error = qdict_get_qdict(resp, "error");
    g_assert_nonnull(error);
    g_assert_cmpstr(qdict_get_str(error, "desc"), ==, expected);
    qobject_unref(resp);
}

static void test_ranges_qmp(void)
{
    QTestState *qts = qtest_init(machine_args());

    assert_object_add_fails(qts, 0, 4,
        "cxl-vcs-switch 'v': usp-ppbs 0 out of range (1-255)");
    assert_object_add_fails(qts, 256, 4,
        "cxl-vcs-switch 'v': usp-ppbs 256 out of range (1-255)");
    assert_object_add_fails(qts, 2, 0,
        "cxl-vcs-switch 'v': dsp-ppbs 0 out of range "
        "(1-254 with usp-ppbs=2: FM-API port ids are 8-bit)");
    assert_object_add_fails(qts, 2, 255,
        "cxl-vcs-switch 'v': dsp-ppbs 255 out of range "
        "(1-254 with usp-ppbs=2: FM-API port ids are 8-bit)");
    assert_object_add_fails(qts, -1, 4, "Parameter 'usp-ppbs' is missing");
    qtest_quit(qts);
}

static void test_ranges_cmdline(void)
{
    assert_startup_fails(
        "-object cxl-vcs-switch,id=vcs0,usp-ppbs=0,dsp-ppbs=4",
        "cxl-vcs-switch 'vcs0': usp-ppbs 0 out of range (1-255)");
    assert_startup_fails(
        "-object cxl-vcs-switch,id=vcs0,usp-ppbs=1,dsp-ppbs=256",
        "cxl-vcs-switch 'vcs0': dsp-ppbs 256 out of range "
        "(1-255 with usp-ppbs=1: FM-API port ids are 8-bit)");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/cxl-vcs-switch/object/properties", test_properties);
    qtest_add_func("/cxl-vcs-switch/object/ranges-qmp", test_ranges_qmp);
    qtest_add_func("/cxl-vcs-switch/object/ranges-cmdline",
                   test_ranges_cmdline);
    return g_test_run();
}
