from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=80)
    body = models.TextField()
    stars = models.PositiveIntegerField(default=0)
    created = models.DateTimeField()

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return self.title
