-- A resident's report with one photo reaches the group as that photo with the card as its
-- caption (issue #9): the sender must then edit the caption, not a text, and keep the card
-- within a caption's 1,024 characters.
ALTER TABLE issues ADD COLUMN card_form TEXT NOT NULL DEFAULT 'text'
    CHECK (card_form IN ('text', 'photo'));
