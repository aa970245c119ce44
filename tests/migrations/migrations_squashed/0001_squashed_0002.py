from reinhardt.orm import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("migapp", "0001_initial"),
        ("migapp", "0002_second"),
    ]

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=50)),
                ("rating", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=100)),
                (
                    "author",
                    models.ForeignKey(on_delete=models.CASCADE, to="migapp.author"),
                ),
            ],
        ),
    ]
