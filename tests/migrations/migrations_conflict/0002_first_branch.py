from reinhardt.orm import migrations, models


class Migration(migrations.Migration):
    dependencies = [("migapp", "0001_initial")]

    operations = [
        migrations.AddField("author", "age", models.IntegerField(null=True)),
    ]
