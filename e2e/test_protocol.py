"""The jupyter_kernel_test conformance suite against the gohpc kernel.

Every message is validated against the protocol's schema by the suite.
"""
import unittest

import jupyter_kernel_test

from gohpc_e2e import KERNEL_NAME


class GohpcKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = KERNEL_NAME
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'import "os"\nfmt.Fprintln(os.Stderr, "to stderr")'

    completion_samples = [
        {"text": "fmt.Sprin", "matches": {"Sprint", "Sprintf", "Sprintln"}},
        {"text": "math.Sqr", "matches": {"Sqrt", "Sqrt2", "SqrtE", "SqrtPi", "SqrtPhi"}},
    ]
    complete_code_samples = ["x := 1", 'fmt.Println("hi")', "func f() int { return 1 }", ""]
    incomplete_code_samples = ["func f() {", "for i := 0; i < 3; i++ {", "s := []int{1,\n2,"]
    invalid_code_samples = ["x := )", "func f() }", "1 +* 2"]

    code_generate_error = 'panic("boom")'
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "math.Sqrt(16)", "result": "4"},
        {"code": "var a []int\na = append(a, 1)\na", "result": "[1]"},
    ]
    code_history_pattern = "6?7"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "fmt.Println"
    code_page_something = "strings.Split?"
    code_display_data = [
        {"code": 'display.Display(display.HTML("<b>bold</b>"))', "mime": "text/html"},
        {"code": 'display.Display(display.Markdown("*it*"))', "mime": "text/markdown"},
        {"code": 'display.Display(display.LaTeX("$x^2$"))', "mime": "text/latex"},
        {"code": 'display.Display(display.SVG(`<svg xmlns="http://www.w3.org/2000/svg"/>`))', "mime": "image/svg+xml"},
    ]
    code_clear_output = "display.ClearOutput(false)"


if __name__ == "__main__":
    unittest.main()
