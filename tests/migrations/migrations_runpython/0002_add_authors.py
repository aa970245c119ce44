from reinhardt.orm import migrations


def add_authors(apps, schema_editor):
    """Add two authors."""
    Author = apps.get_model("migapp", "Author")
    db_alias = schema_editor.connection.alias
    Author.objects.using(db_alias).create(name="Ada")
    Author.objects.using(db_alias).create(name="Grace")


def remove_authors(apps, schema_editor):
    Author = apps.get_model("migapp", "Author")
    Author.objects.using(schema_editor.connection.alias).filter(
        name__in=["Ada", "Grace"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("migapp", "0001_initial")]

    operations = [
        migrations.RunPython(add_authors, remove_authors),
    ]
