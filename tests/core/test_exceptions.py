"""ValidationError's three shapes (single, list, field-keyed) and how they convert.

Expected values were checked against Django 5.2's ValidationError.
"""

import unittest

from reinhardt.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ValidationErrorTests(unittest.TestCase):
    def test_single_message_with_params(self):
        error = ValidationError("x %(n)s", code="c", params={"n": 3})
        self.assertEqual((error.message, error.code, error.params), ("x %(n)s", "c", {"n": 3}))
        self.assertEqual(error.error_list, [error])
        self.assertEqual(error.messages, ["x 3"])
        self.assertEqual(str(error), "['x 3']")
        self.assertEqual(repr(error), "ValidationError(['x 3'])")
        with self.assertRaises(AttributeError):
            error.message_dict

    def test_list_flattens_nested_errors_including_field_keyed_ones(self):
        error = ValidationError(["a", ValidationError("b"), ValidationError({"f": ["c"]})])
        self.assertEqual(error.messages, ["a", "b", "c"])
        self.assertTrue(all(isinstance(e, ValidationError) for e in error.error_list))
        self.assertEqual(error.update_error_dict({NON_FIELD_ERRORS: ["z"]})[NON_FIELD_ERRORS][1:],
                         error.error_list)

    def test_field_keyed(self):
        error = ValidationError({"f": "one", "g": ["two", ValidationError("t %(x)s",
                                                                          params={"x": 1})]})
        self.assertEqual(error.message_dict, {"f": ["one"], "g": ["two", "t 1"]})
        self.assertEqual(error.messages, ["one", "two", "t 1"])
        self.assertEqual(list(error), [("f", ["one"]), ("g", ["two", "t 1"])])
        self.assertEqual(str(error), "{'f': ['one'], 'g': ['two', 't 1']}")
        merged = error.update_error_dict({"f": ["zero"]})
        self.assertEqual([str(e) for e in merged["f"]], ["zero", "['one']"])

    def test_wrapping_an_error_copies_its_shape(self):
        inner = ValidationError("m", code="k", params={"y": 1})
        self.assertEqual((ValidationError(inner).code, ValidationError(inner).params),
                         ("k", {"y": 1}))
        self.assertEqual(ValidationError(inner, code="other").code, "k")
        self.assertEqual(ValidationError(ValidationError(["p", "q"])).messages, ["p", "q"])
        self.assertEqual(ValidationError(ValidationError({"z": "w"})).message_dict,
                         {"z": ["w"]})

    def test_equality_and_hash(self):
        self.assertEqual(ValidationError("a", code="x"), ValidationError("a", code="x"))
        self.assertNotEqual(ValidationError("a"), ValidationError("b"))
        self.assertEqual(ValidationError(["a", "b"]), ValidationError(["b", "a"]))
        self.assertEqual(ValidationError({"f": ["a"]}), ValidationError({"f": ["a"]}))
        self.assertEqual(ValidationError("a", params={"x": 1}),
                         ValidationError("a", params={"x": 1}))
        self.assertNotEqual(ValidationError("a"), "a")
        self.assertEqual(len({ValidationError("a"), ValidationError("a")}), 1)
