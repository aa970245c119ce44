"""Placeholder Latin text for the {% lorem %} tag."""

from __future__ import annotations

import random

COMMON_P = (
    "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "
    "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. "
    "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt "
    "mollit anim id est laborum."
)

# The opening words of the classic passage, used first when ``common`` is true.
COMMON_WORDS = tuple(
    "lorem ipsum dolor sit amet consectetur adipisicing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua".split()
)

# Vocabulary for random text.
WORDS = tuple(sorted(set(
    (COMMON_P.lower().replace(",", "").replace(".", "") + " "
     "accusamus accusantium ad adipisci alias aliquam aperiam architecto asperiores "
     "assumenda atque autem beatae blanditiis commodi consequatur consequuntur corporis "
     "corrupti cum cumque cupiditate debitis delectus deleniti dicta dignissimos distinctio "
     "dolorem dolores doloribus dolorum ducimus earum eius eligendi enim eos error esse "
     "eveniet excepturi exercitationem expedita explicabo facere facilis fuga fugit harum "
     "hic iste itaque iure iusto laboriosam laudantium libero magnam maiores maxime minima "
     "minus modi molestiae molestias mollitia natus necessitatibus nemo neque nesciunt nihil "
     "nisi nobis nostrum numquam obcaecati odio odit officiis omnis optio pariatur "
     "perferendis perspiciatis placeat porro possimus praesentium provident quae quaerat "
     "quam quas quasi qui quia quibusdam quidem quis quisquam quo quod quos ratione "
     "recusandae reiciendis rem repellat repellendus reprehenderit repudiandae rerum saepe "
     "sapiente sequi similique sint soluta sunt suscipit tempora tempore temporibus tenetur "
     "totam ullam unde vel veniam veritatis vero vitae voluptas voluptate voluptatem "
     "voluptates voluptatibus voluptatum").split()
)))


def sentence() -> str:
    """A random sentence: capitalised, comma-separated sections, ending with . or ?."""
    sections = [" ".join(random.sample(WORDS, random.randint(3, 12)))
                for _ in range(random.randint(1, 5))]
    text = ", ".join(sections)
    return f"{text[0].upper()}{text[1:]}{random.choice('?.')}"


def paragraph() -> str:
    """A random paragraph of one to four sentences."""
    return " ".join(sentence() for _ in range(random.randint(1, 4)))


def paragraphs(count: int, common: bool = True) -> list[str]:
    """``count`` paragraphs; the first is the classic one when ``common``."""
    return [COMMON_P if common and i == 0 else paragraph() for i in range(count)]


def words(count: int, common: bool = True) -> str:
    """``count`` words; they start with the classic opening when ``common``."""
    word_list = list(COMMON_WORDS) if common else []
    if count > len(word_list):
        count -= len(word_list)
        while count > 0:
            take = min(count, len(WORDS))
            count -= take
            word_list += random.sample(WORDS, take)
    else:
        word_list = word_list[:count]
    return " ".join(word_list)
