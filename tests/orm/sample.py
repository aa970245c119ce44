"""A small library of authors, publishers, books, tags and reviews shared by the query API
tests. Expected values in those tests were checked against Django 5.2 on the same data."""

import datetime
import decimal

from tests.orm.models import Author, Book, Publisher, Review, Tag

D = decimal.Decimal


def make_library():
    ann = Author.objects.create(name="Ann", age=30, email="ann@example.com")
    bob = Author.objects.create(name="Bob", age=40)
    cy = Author.objects.create(name="Cy", age=None)
    dee = Author.objects.create(name="Dee", age=30)
    ann.friends.add(bob, dee)
    acme = Publisher.objects.create(name="Acme", city="Oslo")
    birch = Publisher.objects.create(name="Birch", city="Bergen")
    cedar = Publisher.objects.create(name="Cedar", city="")
    py = Tag.objects.create(name="py")
    db = Tag.objects.create(name="db")
    Tag.objects.create(name="unused")
    alpha = Book.objects.create(
        title="Alpha", author=ann, publisher=acme, pages=100, rating=4.5, price=D("10.50"),
        genre="fic", published=datetime.date(2020, 1, 1))
    beta = Book.objects.create(
        title="Beta", author=ann, publisher=None, pages=200, rating=3.0, price=D("20.00"),
        genre="sci", published=datetime.date(2021, 6, 1))
    gamma = Book.objects.create(
        title="Gamma", author=bob, publisher=acme, pages=300, rating=None, price=D("5.25"),
        genre="fic", published=None)
    delta = Book.objects.create(
        title="Delta", author=bob, publisher=birch, pages=400, rating=4.0, price=D("0.10"),
        genre="his", published=datetime.date(2021, 12, 31))
    epsilon = Book.objects.create(
        title="Epsilon", author=dee, publisher=birch, pages=50, rating=5.0, price=D("7.15"),
        genre="sci", published=datetime.date(2019, 3, 15))
    alpha.tags.add(py, db)
    beta.tags.add(py)
    delta.tags.add(db)
    for book, stars in [(alpha, 5), (alpha, 4), (beta, 3), (delta, 4), (delta, 2), (delta, 5)]:
        Review.objects.create(book=book, stars=stars, text=f"{book.title} {stars}")
    return {
        "ann": ann, "bob": bob, "cy": cy, "dee": dee,
        "acme": acme, "birch": birch, "cedar": cedar, "py": py, "db": db,
        "alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta, "epsilon": epsilon,
    }
