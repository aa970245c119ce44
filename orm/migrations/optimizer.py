"""Shortening a list of operations: CreateModel + AddField becomes one CreateModel,
AddField + RemoveField disappears, and so on, through each operation's ``reduce()``."""

from __future__ import annotations


class MigrationOptimizer:
    """Repeatedly merges pairs of operations until nothing changes.

    Two operations may merge across the ones between them only if those in-between
    operations do not touch the same models (``reduce`` returns True for them).
    """

    def optimize(self, operations: list, app_label: str) -> list:
        if app_label is None:
            raise TypeError("app_label must be a str.")
        self._iterations = 0
        while True:
            result = self.optimize_inner(operations, app_label)
            self._iterations += 1
            if result == operations:
                return result
            operations = result

    def optimize_inner(self, operations: list, app_label: str) -> list:
        """One pass: merge the first mergeable pair found and return the new list."""
        new_operations = []
        for i, operation in enumerate(operations):
            # Merging into the later operation's position ("right") is allowed until some
            # in-between operation blocks it.
            right = True
            for j, other in enumerate(operations[i + 1:]):
                result = operation.reduce(other, app_label)
                if isinstance(result, list):
                    in_between = operations[i + 1:i + j + 1]
                    if right:
                        new_operations.extend(in_between)
                        new_operations.extend(result)
                    elif all(op.reduce(other, app_label) is True for op in in_between):
                        # "Left" merge: ``other`` can move back past everything in between.
                        new_operations.extend(result)
                        new_operations.extend(in_between)
                    else:
                        new_operations.append(operation)
                        break
                    new_operations.extend(operations[i + j + 2:])
                    return new_operations
                if not result:
                    right = False
            else:
                new_operations.append(operation)
        return new_operations
